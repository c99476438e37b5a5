import Foundation
import XGraphCore
import XGraphStore

/// A record as it sits on a remote: the record's JSON bytes exactly as signed, and who signed
/// and pushed it. Stored at `records/<aa>/<key>.json` (RemoteLayout):
///
///     {"format":"xgraph-remote-record","version":1,"key":"<node key hex>",
///      "record":"<base64 of the ActionRecordCoding JSON>",
///      "signer":"ed25519:<base64>","signature":"<base64, 64 bytes>",   (absent when unsigned)
///      "pushed_by":"user@host","pushed":"<ISO-8601>"}
///
/// The signature covers `"xgraph-remote-record 1\n" + key hex + "\n" + record bytes`, so a
/// signed record cannot be filed under another key, and a record is decoded only from the bytes
/// the signature covers.
///
/// Version History:
/// * 1: first version.
public struct SignedRecord: Codable, Sendable {
    public static let format = "xgraph-remote-record"
    public static let currentVersion = 1

    public var format: String
    public var version: Int
    public var key: Digest
    public var record: Data
    public var signer: String?
    public var signature: Data?
    public var pushedBy: String?
    public var pushed: String?

    enum CodingKeys: String, CodingKey {
        case format, version, key, record, signer, signature
        case pushedBy = "pushed_by", pushed
    }

    static func message(key: Digest, record: Data) -> Data {
        Data("\(format) \(currentVersion)\n\(key.hex)\n".utf8) + record
    }

    public static func make(_ record: ActionRecord, signer: SigningKey?, pushedBy: String) throws -> SignedRecord {
        let bytes = try ActionRecordCoding.encode(record)
        var s = SignedRecord(format: format, version: currentVersion, key: record.key, record: bytes, signer: nil,
                             signature: nil, pushedBy: pushedBy, pushed: ISO8601DateFormatter().string(from: Date()))
        if let signer {
            s.signer = signer.publicKey.description
            s.signature = try signer.sign(message(key: record.key, record: bytes))
        }
        return s
    }

    public func encoded() throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return try e.encode(self)
    }

    /// What a reader decides about a record envelope fetched for `key`.
    public enum Verdict: Sendable {
        case accepted(ActionRecord, signer: PublicKey?)
        case rejected(String)
    }

    /// Decodes and checks an envelope: its format, that it is for `key`, a signature that does
    /// not verify is always refused (tampering), and with `trusted` non-empty only a valid
    /// signature by one of those keys is accepted.
    public static func check(_ data: Data, key: Digest, trusted: Set<PublicKey>) -> Verdict {
        guard let env = try? JSONDecoder().decode(SignedRecord.self, from: data), env.format == format else {
            return .rejected("it is not an xgraph remote record")
        }
        guard env.version == currentVersion else { return .rejected("it has envelope version \(env.version); this xgraph reads \(currentVersion)") }
        guard env.key == key else { return .rejected("it is filed under \(key.short) but is for \(env.key.short)") }
        var signer: PublicKey?
        if let s = env.signer, let sig = env.signature {
            guard let pk = try? PublicKey(parsing: s) else { return .rejected("its signer '\(s)' is not an Ed25519 key") }
            guard pk.verify(sig, of: message(key: key, record: env.record)) else {
                return .rejected("its signature by \(s) does not verify (altered after signing)")
            }
            signer = pk
        } else if env.signer != nil || env.signature != nil {
            return .rejected("it has a signer without a signature or the reverse")
        }
        if !trusted.isEmpty {
            guard let signer else { return .rejected("it is unsigned, and trusted_keys are configured") }
            guard trusted.contains(signer) else { return .rejected("it is signed by \(signer), which is not in trusted_keys") }
        }
        guard let record = try? ActionRecordCoding.decode(env.record) else { return .rejected("its record cannot be read") }
        guard record.key == key else { return .rejected("its record is for key \(record.key.short)") }
        return .accepted(record, signer: signer)
    }
}
