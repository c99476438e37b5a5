import COpenSSL
import Foundation

/// MD5 through libcrypto's EVP API, for one purpose: an S3 part's ETag is the MD5 of its bytes,
/// and a resumed multipart upload keeps a part the server holds only when this file's bytes at
/// that place have that MD5 (never as a name for content: blobs are named by SHA-256).
struct MD5Hasher: ~Copyable {
    private let ctx: OpaquePointer?

    init() {
        let made = EVP_MD_CTX_new()
        if let made, EVP_DigestInit_ex(made, EVP_md5(), nil) == 1 {
            ctx = made
        } else {
            EVP_MD_CTX_free(made)
            ctx = nil
        }
    }

    deinit { EVP_MD_CTX_free(ctx) }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let ctx, let base = bytes.baseAddress, !bytes.isEmpty else { return }
        _ = EVP_DigestUpdate(ctx, base, bytes.count)
    }

    /// Lowercase hex; an error when libcrypto could not set MD5 up (a FIPS build refuses it).
    consuming func finalize() throws -> String {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var n: UInt32 = 0
        guard let ctx, EVP_DigestFinal_ex(ctx, &out, &n) == 1, n == 16 else {
            throw RemoteError.local("libcrypto cannot compute MD5 here, which checking the parts of an open multipart upload needs")
        }
        return out.prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
