import Foundation
import XGraphCore
import XGraphRemote
import XGraphSpec
import XGraphStore

/// Which remote cache a command uses and how (docs/remote.md): the URL from `--remote`, else
/// `XGRAPH_REMOTE`, else the file's `remote:`; the mode from `--remote-mode`, else
/// `XGRAPH_REMOTE_MODE`, else read-write; trusted keys from the file's `trusted_keys` and
/// `XGRAPH_TRUSTED_KEYS` (both count); the signing key from `SigningKey.defaultPath`, when
/// that file exists. With `strict: false` (build, plan), a remote that cannot be set up (no
/// credentials) is one warning and no remote; a malformed URL or key is always an error.
public enum RemoteSetup {
    public static func open(flag: String?, modeFlag: String?, workspace ws: Workspace,
                            environment env: [String: String] = ProcessInfo.processInfo.environment,
                            strict: Bool = true, warn: @escaping @Sendable (String) -> Void) throws -> (RemoteCache, RemoteMode)? {
        let modeText = modeFlag ?? env["XGRAPH_REMOTE_MODE"].flatMap { $0.isEmpty ? nil : $0 }
        var mode = RemoteMode.readWrite
        if let modeText {
            guard let m = RemoteMode(rawValue: modeText) else {
                throw XGraphError.usage("remote mode '\(modeText)': expected one of \(RemoteMode.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            mode = m
        }
        let fromFile = ws.remote
        let urlText: String
        let location: SourceLocation?
        if let f = flag, !f.isEmpty { urlText = f; location = nil }
        else if let e = env["XGRAPH_REMOTE"], !e.isEmpty { urlText = e; location = nil }
        else if let f = fromFile { urlText = f.url; location = f.location }
        else { return nil }
        if mode == .off { return nil }
        let url: RemoteURL
        do { url = try RemoteURL(parsing: urlText) } catch let e as XGraphError {
            guard let location else { throw e }
            throw XGraphError.spec(location, Planner.message(e))
        }
        var trusted = Set<PublicKey>()
        for (text, at) in zip(fromFile?.trustedKeys ?? [], fromFile?.keyLocations ?? []) {
            do { trusted.insert(try PublicKey(parsing: text)) } catch let e as XGraphError {
                throw XGraphError.spec(at, Planner.message(e))
            }
        }
        for text in (env["XGRAPH_TRUSTED_KEYS"] ?? "").split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }) {
            do { trusted.insert(try PublicKey(parsing: String(text))) } catch let e as XGraphError {
                throw XGraphError.usage("XGRAPH_TRUSTED_KEYS: \(Planner.message(e))")
            }
        }
        let keyPath = SigningKey.defaultPath(environment: env)
        let signer = FileManager.default.fileExists(atPath: keyPath) ? try SigningKey.load(path: keyPath) : nil
        let backend: any RemoteBackend
        do { backend = try RemoteCache.backend(for: url, environment: env) } catch {
            // A build goes on without a remote it cannot use (say why once); push and pull fail.
            guard !strict else { throw error }
            warn("remote \(url) is not used: \(Planner.message(error as? XGraphError ?? .io("\(error)")))")
            return nil
        }
        if signer == nil && !trusted.isEmpty && mode.writes {
            warn("records you push are unsigned (no key at \(keyPath); `xgraph remote keygen` makes one), "
                 + "so stores with trusted_keys, this one included, will ignore them")
        }
        return (RemoteCache(url: url, backend: backend, trusted: trusted, signer: signer, warn: warn), mode)
    }
}
