import Foundation
import Synchronization
import XGraphCore

/// Why a remote request failed. `unreachable` and `server` may pass (a retry, the next build);
/// `denied` will not until the credentials change; `local` is this machine's own trouble.
public enum RemoteError: Error, Sendable, CustomStringConvertible {
    case unreachable(String)
    case denied(String)
    case server(String)
    case refused(String)
    case local(String)

    public var description: String {
        switch self {
        case .unreachable(let s), .denied(let s), .server(let s), .refused(let s), .local(let s): return s
        }
    }

    /// Worth another try after a pause.
    var isTransient: Bool {
        switch self {
        case .unreachable, .server: return true
        case .denied, .refused, .local: return false
        }
    }
}

/// The few object operations a remote cache needs; `file://` and `s3://` both provide them.
/// Keys are relative names such as `blobs/ab/ab12…` (RemoteLayout). Every call is blocking and
/// bounded in time (connect and stall timeouts), and is safe from several threads at once.
public protocol RemoteBackend: Sendable {
    /// The object's size, or nil when there is none.
    func head(_ key: String) throws -> Int64?
    /// A small object's bytes (records, manifests), or nil when there is none; more than `limit`
    /// bytes is an error, not a truncation.
    func get(_ key: String, limit: Int) throws -> Data?
    /// Streams an object into `path` (created, must not exist); false when there is none.
    /// More than `limit` bytes is an error (a server cannot fill the disk). A back-end that
    /// hashed the file's bytes on the way puts their SHA-256 in `hashed`, so the store need not
    /// read the file a second time.
    func download(_ key: String, to path: String, limit: Int64, progress: TransferProgress?, hashed: HashedBytes?) throws -> Bool
    /// Uploads a file as the object `key`, streaming (never the whole file in memory). When
    /// `digest` is given the bytes are hashed on the way and the object only appears (or stays)
    /// if they match: a blob damaged in the local store is never published under its name.
    func upload(_ key: String, file: String, size: Int64, digest: Digest?, progress: TransferProgress?) throws
    /// Stores a small object. With `ifAbsent`, an object already there is kept where the
    /// back-end can tell (a folder: link(2)); S3 keeps the last writer.
    func put(_ key: String, data: Data, ifAbsent: Bool) throws
    /// Every object whose key starts with `prefix` (`records/`, `blobs/`): what remote gc walks.
    func list(_ prefix: String) throws -> [RemoteObject]
    /// Removes an object; one that is already gone is not an error (two gcs may race).
    func delete(_ key: String) throws
    /// Uploads begun and never finished (a push killed or cut off): S3 multipart uploads left
    /// open, a folder's files in tmp/. What `gc --remote` ends after its grace period.
    func unfinishedUploads() throws -> [UnfinishedUpload]
    /// Ends an unfinished upload (aborts it, deletes its file) unless it is in use or moved after
    /// `cutoff`, checked again right before: a push that went on with it meanwhile keeps it.
    /// False when it was kept.
    func endUpload(_ upload: UnfinishedUpload, idleSince cutoff: Date) throws -> Bool
}

/// An upload a listing found unfinished.
public struct UnfinishedUpload: Sendable {
    /// The object it was for (S3), or its file below the remote (`tmp/…`).
    public var key: String
    /// The S3 upload id ("" for a folder's file).
    var id: String
    /// When it last moved: its newest part (S3), its file's modification time (folder).
    public var lastActive: Date
    public var size: Int64
}

/// An object a listing found: its key below the remote's prefix, and its size.
public struct RemoteObject: Sendable, Equatable {
    public var key: String
    public var size: Int64
    /// Changes when the object is written again (S3's ETag; a file's inode and time): remote gc
    /// reads again only the records that are new or rewritten since its last listing.
    public var tag: String
    public init(key: String, size: Int64, tag: String) { self.key = key; self.size = size; self.tag = tag }
}

/// The SHA-256 of a download's bytes, when the back-end computed it while they arrived.
public final class HashedBytes: Sendable {
    private let box = Mutex<Digest?>(nil)
    public init() {}
    public var digest: Digest? { box.withLock { $0 } }
    func set(_ d: Digest) { box.withLock { $0 = d } }
}

/// Bytes moved, for the progress line of push and pull.
public final class TransferProgress: Sendable {
    private let counter = Atomic64()
    public init() {}
    public func add(_ n: Int64) { counter.add(n) }
    public var bytes: Int64 { counter.value }
}

/// One Int64 behind a lock (Synchronization's Atomic is not Sendable as a stored class member
/// across all toolchains this builds with; a mutex costs nothing at transfer rates).
final class Atomic64: @unchecked Sendable {
    private let lock = NSLock()
    private var v: Int64 = 0
    func add(_ n: Int64) { lock.withLock { v += n } }
    /// Adds `n` and returns the value before (a ticket: each caller gets its own).
    func take(_ n: Int64 = 1) -> Int64 { lock.withLock { defer { v += n }; return v } }
    var value: Int64 { lock.withLock { v } }
}

/// Where things live on a remote (layout version 1, docs/remote.md):
///
///     blobs/<aa>/<sha256>          file contents, named by their SHA-256 (the execute bit is in the tree)
///     trees/<aa>/<tree>.json       tree manifests, as in a store
///     records/<aa>/<key>.json      signed record envelopes (SignedRecord), written last
public enum RemoteLayout {
    public static let version = 1
    static func fan(_ d: Digest) -> String { String(d.hex.prefix(2)) }
    public static func blob(_ d: Digest) -> String { "blobs/\(fan(d))/\(d.hex)" }
    public static func tree(_ d: Digest) -> String { "trees/\(fan(d))/\(d.hex).json" }
    public static func record(_ key: Digest) -> String { "records/\(fan(key))/\(key.hex).json" }
    /// Remote gc's state: when each unreferenced blob and tree was first seen so (RemoteGC).
    public static let gcState = "gc/state.json"

    /// The digest an object key names, when it is a record, tree or blob of this layout.
    public static func digest(of key: String, kind: String) -> Digest? {
        let parts = key.split(separator: "/")
        guard parts.count == 3, parts[0] == kind else { return nil }
        var name = String(parts[2])
        if kind != "blobs" {
            guard name.hasSuffix(".json") else { return nil }
            name = String(name.dropLast(5))
        }
        guard let d = Digest(hex: name), parts[1] == fan(d) else { return nil }
        return d
    }
}
