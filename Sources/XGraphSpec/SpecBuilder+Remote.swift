import XGraphCore
import Yams

/// `remote:` at file level (docs/remote.md): a URL, or a mapping with `url` and `trusted_keys`.
extension SpecBuilder {
    static let remoteKeys = ["url", "trusted_keys"]

    func remote(_ node: Yams.Node, r: YAMLReader) throws -> RemoteSpec {
        if case .scalar = node {
            return RemoteSpec(url: try checkedURL(node, r: r), trustedKeys: [], location: r.location(node), keyLocations: [])
        }
        let fields = try r.mapping(node, "'remote'", validKeys: Self.remoteKeys)
        guard let url = fields["url"] else {
            throw r.fail(node, "'remote' as a mapping needs 'url', as in { url: s3://bucket/prefix, trusted_keys: [ed25519:…] }")
        }
        var keys: [String] = [], locations: [SourceLocation] = []
        if let k = fields["trusted_keys"] {
            for item in try r.sequenceOrScalar(k.value, "'trusted_keys'") {
                let text = try r.string(item, "a trusted key")
                guard text.hasPrefix("ed25519:") else {
                    throw r.fail(item, "'\(text)' is not a public key; trusted_keys lists ed25519:<base64> keys, as `xgraph remote keygen` prints")
                }
                keys.append(text); locations.append(r.location(item))
            }
        }
        return RemoteSpec(url: try checkedURL(url.value, r: r), trustedKeys: keys, location: r.location(url.value), keyLocations: locations)
    }

    /// The scheme and the absence of credentials are checked here; the rest when it is used.
    private func checkedURL(_ node: Yams.Node, r: YAMLReader) throws -> String {
        let url = try r.string(node, "'remote'")
        guard url.hasPrefix("s3://") || url.hasPrefix("file://") else {
            throw r.fail(node, "remote '\(url)' must start with s3:// or file://")
        }
        let authority = url.dropFirst(url.hasPrefix("s3://") ? 5 : 7).prefix { $0 != "/" && $0 != "?" }
        if authority.contains("@") || url.lowercased().contains("secret") || url.lowercased().contains("access_key") {
            throw r.fail(node, "credentials do not belong in the experiment file; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile in ~/.aws/credentials)")
        }
        return url
    }
}
