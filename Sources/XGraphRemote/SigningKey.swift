import COpenSSL
import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// An Ed25519 key pair that signs the records this user pushes (libcrypto's EVP API: the
/// library that already hashes every digest, so no second crypto library is built).
///
/// The private key file (`xgraph remote keygen` writes it, mode 0600):
///
///     xgraph-signing-key 1
///     ed25519 <base64 of the 32-byte seed>
///
/// It lives at `$XGRAPH_SIGNING_KEY` when set, else `$XDG_CONFIG_HOME/xgraph/signing-key`
/// (`~/.config/xgraph/signing-key`): never in the project or the store, which are shared. The
/// public key is written `ed25519:<base64 of 32 bytes>`, the form `trusted_keys` lists.
public struct SigningKey: Sendable {
    let seed: [UInt8]
    public let publicKey: PublicKey

    public static func defaultPath(environment env: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let p = env["XGRAPH_SIGNING_KEY"], !p.isEmpty { return p }
        let config = env["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (env["HOME"] ?? NSHomeDirectory()) + "/.config"
        return config + "/xgraph/signing-key"
    }

    init(seed: [UInt8]) throws {
        guard seed.count == 32 else { throw XGraphError.usage("an Ed25519 seed has 32 bytes, not \(seed.count)") }
        self.seed = seed
        let pkey = try Self.privateKey(seed)
        defer { EVP_PKEY_free(pkey) }
        var raw = [UInt8](repeating: 0, count: 32)
        var len = 32
        guard EVP_PKEY_get_raw_public_key(pkey, &raw, &len) == 1, len == 32 else {
            throw XGraphError.io("libcrypto could not derive an Ed25519 public key")
        }
        self.publicKey = PublicKey(raw: raw)
    }

    /// A new key from libcrypto's random generator.
    public static func generate() throws -> SigningKey {
        var seed = [UInt8](repeating: 0, count: 32)
        guard RAND_bytes(&seed, 32) == 1 else { throw XGraphError.io("libcrypto's random generator failed") }
        return try SigningKey(seed: seed)
    }

    private static func privateKey(_ seed: [UInt8]) throws -> OpaquePointer {
        guard let pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, 32) else {
            throw XGraphError.io("libcrypto refused an Ed25519 key")
        }
        return pkey
    }

    public func sign(_ message: Data) throws -> Data {
        let pkey = try Self.privateKey(seed)
        defer { EVP_PKEY_free(pkey) }
        guard let ctx = EVP_MD_CTX_new() else { throw XGraphError.io("libcrypto: no signing context") }
        defer { EVP_MD_CTX_free(ctx) }
        var sig = [UInt8](repeating: 0, count: 64)
        var len = 64
        let ok = message.withUnsafeBytes { m in
            EVP_DigestSignInit(ctx, nil, nil, nil, pkey) == 1
                && EVP_DigestSign(ctx, &sig, &len, m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count) == 1
        }
        guard ok, len == 64 else { throw XGraphError.io("libcrypto could not sign with Ed25519") }
        return Data(sig)
    }

    /// The key file's text.
    public var fileText: String { "xgraph-signing-key 1\ned25519 \(Data(seed).base64EncodedString())\n" }

    /// Reads a key file, refusing one that others may read (a private key anyone on the
    /// machine can copy signs for them too).
    public static func load(path: String) throws -> SigningKey {
        var st = stat()
        guard stat(path, &st) == 0 else { throw XGraphError.usage("no signing key at \(path) (make one with `xgraph remote keygen`)") }
        guard st.st_mode & 0o077 == 0 else {
            throw XGraphError.usage("the signing key \(path) may be read by others (mode \(String(st.st_mode & 0o777, radix: 8))): chmod 600 it")
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw XGraphError.usage("cannot read the signing key \(path)")
        }
        let lines = text.split(separator: "\n")
        guard lines.first == "xgraph-signing-key 1" else {
            throw XGraphError.usage("\(path):1:1: not an xgraph signing key (expected 'xgraph-signing-key 1')")
        }
        guard lines.count >= 2, lines[1].hasPrefix("ed25519 "), let seed = Data(base64Encoded: String(lines[1].dropFirst(8))), seed.count == 32 else {
            throw XGraphError.usage("\(path):2:1: expected 'ed25519 <base64 of 32 bytes>'")
        }
        return try SigningKey(seed: [UInt8](seed))
    }

    /// Writes a new key file (mode 0600, refusing to replace one), making its folder (0700).
    public func write(to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            if errno == EEXIST { throw XGraphError.usage("\(path) exists: a signing key is never replaced (move it away first)") }
            throw XGraphError.io("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        let bytes = Array(fileText.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
            unlink(path)
            throw XGraphError.io("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// An Ed25519 public key, written `ed25519:<base64>`.
public struct PublicKey: Sendable, Hashable, CustomStringConvertible {
    public let raw: [UInt8]

    public var description: String { "ed25519:" + Data(raw).base64EncodedString() }

    init(raw: [UInt8]) { self.raw = raw }

    public init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.hasPrefix("ed25519:"), let data = Data(base64Encoded: String(t.dropFirst(8))), data.count == 32 else {
            throw XGraphError.usage("'\(text)' is not a public key; expected ed25519:<base64 of 32 bytes>, as `xgraph remote keygen` prints")
        }
        raw = [UInt8](data)
    }

    public func verify(_ signature: Data, of message: Data) -> Bool {
        guard signature.count == 64, let pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, 32) else { return false }
        defer { EVP_PKEY_free(pkey) }
        guard let ctx = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(ctx) }
        return signature.withUnsafeBytes { s in
            message.withUnsafeBytes { m in
                EVP_DigestVerifyInit(ctx, nil, nil, nil, pkey) == 1
                    && EVP_DigestVerify(ctx, s.baseAddress?.assumingMemoryBound(to: UInt8.self), s.count,
                                        m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count) == 1
            }
        }
    }
}
