import Foundation

/// Nested metrics and params become dotted names in tables, CSV and the results index
/// (`{"coco": {"ap": 0.4}}` → `coco.ap`). Two spellings can flatten to one name
/// (`{"val.loss": 5, "val": {"loss": 1}}`), and two names can differ only in their Unicode form
/// (NFC `é` and NFD `e` + U+0301), which Swift's String equality, and so every dictionary,
/// merges. Either way one value would silently replace the other (or the index would refuse the
/// record), so both are errors that name the spellings.
extension JSONValue {
    public struct FlatteningError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// The leaves of an object (arrays and scalars; nested objects joined with dots), sorted by
    /// name. `what` names the leaves in messages ("metric", "param").
    public func flattenedLeaves(what: String) throws -> [(name: String, value: JSONValue)] {
        guard case .object(let object) = self else { return [] }
        var out: [(name: String, value: JSONValue)] = []
        // Keyed by the flattened name as Swift compares strings, so canonically equivalent
        // names meet here; the spelling is the path as written, for the message.
        var seen: [String: (name: String, path: [String])] = [:]
        func walk(_ object: [String: JSONValue], path: [String]) throws {
            for (key, value) in object {
                // SQLite and the table and CSV outputs end or break a name at a control
                // character ("a\u0000b" is stored as "a"): two names would become one.
                if let c = key.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
                    let spelled = (path + [key]).map { JSONValue.string($0).canonical }.joined(separator: " → ")
                    throw FlatteningError(description: "\(what) name \(spelled) contains a control character "
                        + "(U+" + String(format: "%04X", c.value) + "); names may not")
                }
                let p = path + [key]
                if case .object(let inner) = value { try walk(inner, path: p); continue }
                let name = p.joined(separator: ".")
                if let other = seen[name] {
                    throw FlatteningError(description: Self.collision(what, name, p, other.name, other.path))
                }
                seen[name] = (name, p)
                out.append((name, value))
            }
        }
        try walk(object, path: [])
        out.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return out
    }

    private static func collision(_ what: String, _ a: String, _ pathA: [String], _ b: String, _ pathB: [String]) -> String {
        func spelling(_ path: [String]) -> String { path.map { "\"\($0)\"" }.joined(separator: " → ") }
        if a.utf8.elementsEqual(b.utf8) {
            return "\(what) name '\(a)' is written twice, as \(spelling(pathB)) and as \(spelling(pathA)); "
                + "nested names are joined with dots, so rename one"
        }
        return "\(what) names \(spelling(pathB)) (\(scalars(b))) and \(spelling(pathA)) (\(scalars(a))) "
            + "differ only in their Unicode form and print alike; rename one or write both in one form (NFC)"
    }

    /// `U+0065 U+0301`: what tells two look-alike names apart.
    static func scalars(_ s: String) -> String {
        s.unicodeScalars.filter { $0.value > 0x7F }.map { "U+" + String(format: "%04X", $0.value) }.joined(separator: " ")
    }
}
