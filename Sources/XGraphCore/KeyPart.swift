/// One component of a node key as records keep it: its name (`param:lr`, `code:train.py`,
/// `input:subset`; XGraphKeys' `KeyPartName` says what each means), a readable value (shown by
/// `xgraph explain` and plan reasons) and the digest that was hashed. Here, below both the keys
/// and the store, so that neither imports the other.
public struct KeyPart: Codable, Sendable, Hashable {
    public var name: String
    public var value: String
    public var digest: Digest
    public init(name: String, value: String, digest: Digest) {
        self.name = name; self.value = value; self.digest = digest
    }
}
