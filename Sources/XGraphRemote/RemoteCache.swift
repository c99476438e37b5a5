import Foundation
import Synchronization
import XGraphCore
import XGraphStore
#if canImport(Glibc)
import Glibc
#endif

/// What a build does with its remote (`--remote-mode`, `XGRAPH_REMOTE_MODE`).
public enum RemoteMode: String, Sendable, CaseIterable {
    /// Fetch records the store lacks, and push what this build records (the default).
    case readWrite = "read-write"
    case read
    case write
    case off

    public var reads: Bool { self == .readWrite || self == .read }
    public var writes: Bool { self == .readWrite || self == .write }
}

/// A remote cache: a store's records, trees and blobs on S3 or in a shared folder, read and
/// written in an order that keeps every reader safe (docs/remote.md):
///
/// - **push**: each blob the remote lacks (HEAD, then PUT, hashed on the way), the tree
///   manifest, then the signed record last. A push cut off at any point leaves blobs nobody
///   references, never a record without its outputs.
/// - **fetch**: the record (its signature checked against `trusted_keys`), the manifest (it must
///   hash to the record's output, with safe paths), each missing blob streamed into the
///   store's tmp/ and hashed before it gets its name; the artifact is built from verified blobs
///   only, and the record is written last. Anything missing, refused or cut off is a miss: the
///   node runs here, and nothing half-installed remains.
///
/// A remote that is down or refuses (timeouts, HTTP errors, a missing folder) is tried a few
/// times with backoff, then marked down for the rest of the process with one warning; every
/// later call returns at once, so a build goes on locally and never waits on it again.
public final class RemoteCache: Sendable {
    public let url: RemoteURL
    let backend: any RemoteBackend
    public let trusted: Set<PublicKey>
    let signer: SigningKey?
    let pusher: String
    let warn: @Sendable (String) -> Void

    struct Health {
        var down: RemoteError?
        var warnedDown = false
        /// Blobs the remote served with the wrong bytes: a push uploads them again even though
        /// HEAD finds them, so the node this build then ran here repairs the remote.
        var refusedBlobs = Set<Digest>()
    }
    private let health = Mutex(Health())

    /// Attempts per request, and the pause before each retry (doubled each time).
    let attempts: Int
    let backoff: Double

    public init(url: RemoteURL, backend: any RemoteBackend, trusted: Set<PublicKey> = [], signer: SigningKey? = nil,
                attempts: Int = 3, backoff: Double = 0.25, warn: @escaping @Sendable (String) -> Void) {
        self.url = url; self.backend = backend; self.trusted = trusted; self.signer = signer
        self.attempts = max(1, attempts); self.backoff = backoff; self.warn = warn
        // The account, not $USER (which a setuid or sudo'd process inherits from someone else).
        let user = getpwuid(getuid()).flatMap { $0.pointee.pw_name.map { String(cString: $0) } } ?? String(getuid())
        self.pusher = "\(user)@\(ProcessInfo.processInfo.hostName)"
    }

    /// The back-end a URL names: a folder, or an S3 bucket with credentials from the environment.
    public static func backend(for url: RemoteURL, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any RemoteBackend {
        switch url.kind {
        case .folder(let path): return FileRemote(root: path)
        case .s3(let location): return try S3Remote(location: location, environment: environment)
        }
    }

    /// Why the remote is not used any more in this process, if it was given up.
    public var downReason: RemoteError? { health.withLock { $0.down } }

    /// Runs one remote operation with bounded retries; a lasting failure marks the remote down
    /// (one warning) and is rethrown.
    func attempt<T>(_ what: String, _ body: () throws -> T) throws -> T {
        if let down = downReason { throw down }
        var pause = backoff
        var n = 1
        while true {
            do { return try body() }
            catch let e as RemoteError {
                if e.isTransient && n < attempts {
                    Thread.sleep(forTimeInterval: pause)
                    pause *= 2; n += 1
                    continue
                }
                if case .unreachable = e { markDown(e) } else if case .server = e { markDown(e) } else if case .denied = e { markDown(e) }
                throw e
            }
        }
    }

    func markDown(_ e: RemoteError) {
        let first = health.withLock { h -> Bool in
            if h.down == nil { h.down = e }
            defer { h.warnedDown = true }
            return !h.warnedDown
        }
        if first { warn("remote \(url) is not usable (\(e)); going on without it for the rest of this command") }
    }

    // MARK: Reading

    /// A record the remote holds for `key` that this store would accept.
    public struct Found: Sendable {
        public var record: ActionRecord
        public var manifest: TreeManifest
        public var signer: PublicKey?
        public var pushedBy: String?
        /// Bytes of the blobs this store lacks.
        public var bytesToFetch: Int64
    }

    /// Looks a key up without installing anything (`plan`): the record must be acceptable and
    /// its manifest sound. Nil on a miss, a refusal (warned) or a remote that is down.
    public func lookup(_ key: Digest, store: Store, checkLocalBlobs: Bool = false) -> Found? {
        do {
            guard let data = try attempt("GET record", { try backend.get(RemoteLayout.record(key), limit: 16 << 20) }) else { return nil }
            let (record, signer, pushedBy): (ActionRecord, PublicKey?, String?)
            switch SignedRecord.check(data, key: key, trusted: trusted) {
            case .rejected(let why):
                warn("ignored the remote's record for key \(key.short): \(why)")
                return nil
            case .accepted(let r, let s):
                record = r; signer = s
                pushedBy = (try? JSONDecoder().decode(SignedRecord.self, from: data))?.pushedBy
            }
            guard let mdata = try attempt("GET tree", { try backend.get(RemoteLayout.tree(record.output), limit: 256 << 20) }) else {
                warn("the remote's record of \(record.node) names tree \(record.output.short), which the remote lacks: ignored")
                return nil
            }
            let manifest = try Store.checkForeignManifest(mdata, tree: record.output)
            let missing = store.missingBlobs(manifest, verifyExisting: checkLocalBlobs)
            return Found(record: record, manifest: manifest, signer: signer, pushedBy: pushedBy,
                         bytesToFetch: missing.reduce(0) { $0 + $1.size })
        } catch {
            // A remote that went down has said so once; anything else is about this record.
            if downReason == nil { warn("ignored the remote's record for key \(key.short): \(Self.text(error))") }
            return nil
        }
    }

    /// Fetches and installs the node built under `key`; returns the record now in the store,
    /// or nil on a miss or any failure (the store then holds nothing new but verified blobs).
    public func fetch(_ key: Digest, into store: Store, progress: TransferProgress? = nil) -> ActionRecord? {
        // Installed under gc's lock held shared, like a local output: until the record is in
        // place its blobs belong to nothing, and a gc would delete them (docs/store.md).
        let gcLock = store.gcShared()
        defer { gcLock.release() }
        // The byte count is not needed here, and the loop below hashes the local blobs itself.
        guard let found = lookup(key, store: store, checkLocalBlobs: false) else { return nil }
        do {
            var verified = Set<Digest>()
            for blob in store.missingBlobs(found.manifest) {
                let tmp = store.temporaryPath("fetch")
                defer { unlink(tmp) }
                let hashed = HashedBytes()
                let got = try attempt("GET blob") { () throws -> Bool in
                    unlink(tmp)
                    return try backend.download(RemoteLayout.blob(blob.digest), to: tmp, limit: blob.size, progress: progress, hashed: hashed)
                }
                guard got else {
                    warn("the remote's record of \(found.record.node) names blob \(blob.digest.short), which the remote lacks: ignored")
                    return nil
                }
                do { try store.importBlob(from: tmp, digest: blob.digest, executable: blob.executable, hashed: hashed.digest) }
                catch {
                    // Every blob of this tree is suspect now (only the first bad one was seen).
                    let all = found.manifest.entries.compactMap(\.digest)
                    health.withLock { $0.refusedBlobs.formUnion(all) }
                    warn("\(Self.text(error)) (blob \(RemoteLayout.blob(blob.digest)) of \(found.record.node) on \(url)); the node runs here")
                    return nil
                }
                verified.insert(blob.digest)
            }
            try store.importArtifact(found.manifest, tree: found.record.output, verified: verified)
            var record = found.record
            record.provenance.remote = RemoteOrigin(url: url.text, fetched: Date(), signer: found.signer?.description,
                                                    pushedBy: found.pushedBy)
            // When another record of the key, with its output in place, was here first, that
            // one stands and is returned: it is what the node's dependents must see.
            return try store.importRecord(record, manifest: found.manifest)
        } catch let e as RemoteError {
            if downReason == nil { warn("could not fetch \(found.record.node) from \(url): \(e)") }
            return nil
        } catch {
            warn("could not install \(found.record.node) from \(url): \(Self.text(error)); the node runs here")
            return nil
        }
    }

    // MARK: Writing

    public enum PushOutcome: Sendable, Equatable {
        case pushed(bytes: Int64)
        case alreadyThere
    }

    /// Pushes the record under `key` and everything it references. Throws RemoteError (or an
    /// XGraphError for a local problem); the remote then holds no record for the key.
    ///
    /// A record already on the remote is checked, not trusted: one whose tree or blobs are gone
    /// (a remote gc raced its push, or someone deleted by hand) is healed, with the blobs this
    /// store has when the outputs are the same, else by replacing it with this store's record
    /// once everything that one names is up.
    public func push(_ key: Digest, from store: Store, progress: TransferProgress? = nil) throws -> PushOutcome {
        guard let record = try store.record(forKey: key) else { throw XGraphError.store("no record for key \(key.short) in \(store.root)") }
        let refused = health.withLock { $0.refusedBlobs }
        let there = try attempt("GET record", { try backend.get(RemoteLayout.record(key), limit: 16 << 20) })
        var replace = false
        if let there {
            switch try standing(there, key: key, ours: record.output) {
            case .complete where refused.isEmpty: return .alreadyThere
            case .complete, .sameOutput: break
            case .incomplete: replace = true
            }
        }
        guard let mdata = store.manifestData(record.output) else {
            throw XGraphError.store("the tree \(record.output.short) of \(record.node) is not in \(store.root)")
        }
        let manifest = try Store.checkForeignManifest(mdata, tree: record.output)
        var bytes: Int64 = 0
        var done = Set<Digest>()
        for e in manifest.entries where e.kind == .file {
            guard let d = e.digest, done.insert(d).inserted else { continue }
            guard let file = store.blobFile(d) else { throw XGraphError.store("blob \(d.short) of \(record.node) is missing from \(store.root)") }
            var st = stat()
            guard stat(file, &st) == 0 else { throw XGraphError.store("cannot read \(file)") }
            // A small blob of a new record is sent without asking first: the HEAD would cost the
            // same round trip, and rewriting the same bytes under their own name changes
            // nothing. Beside a record already there, only what is missing goes.
            if !refused.contains(d), there != nil || Int64(st.st_size) > Self.askFirstAbove,
               try attempt("HEAD blob", { try backend.head(RemoteLayout.blob(d)) }) != nil { continue }
            try attempt("PUT blob") { try backend.upload(RemoteLayout.blob(d), file: file, size: Int64(st.st_size), digest: d, progress: progress) }
            bytes += Int64(st.st_size)
        }
        var treeSent = false
        let treeThere = there != nil || Int64(mdata.count) > Self.askFirstAbove
            ? try attempt("HEAD tree", { try backend.head(RemoteLayout.tree(record.output)) }) != nil : false
        if !treeThere {
            try attempt("PUT tree") { try backend.put(RemoteLayout.tree(record.output), data: mdata, ifAbsent: false) }
            treeSent = true
        }
        if there != nil && !replace { return bytes > 0 || treeSent ? .pushed(bytes: bytes) : .alreadyThere }
        // The commit marker: a reader finds a record only once everything it names is there.
        // A record fetched from elsewhere is pushed as it was built (its origin is local news).
        var clean = record
        clean.provenance.remote = nil
        let envelope = try SignedRecord.make(clean, signer: signer, pushedBy: pusher).encoded()
        try attempt("PUT record") { try backend.put(RemoteLayout.record(key), data: envelope, ifAbsent: !replace) }
        return .pushed(bytes: bytes)
    }

    /// Objects up to this size are PUT without a HEAD first (1,000 small nodes: four requests
    /// each instead of six).
    static let askFirstAbove: Int64 = 64 << 10

    enum Standing { case complete, sameOutput, incomplete }

    /// What a record already on the remote is worth: with this store's output, the caller's
    /// HEADs find what is missing; with another output, it stands only if its tree and every
    /// blob are there (an unreadable or incomplete one is replaced).
    func standing(_ data: Data, key: Digest, ours: Digest) throws -> Standing {
        guard case .accepted(let theirs, _) = SignedRecord.check(data, key: key, trusted: []) else { return .incomplete }
        if theirs.output == ours { return .sameOutput }
        guard let mdata = try attempt("GET tree", { try backend.get(RemoteLayout.tree(theirs.output), limit: 256 << 20) }),
              let manifest = try? Store.checkForeignManifest(mdata, tree: theirs.output) else { return .incomplete }
        for d in Set(manifest.entries.compactMap(\.digest)) {
            if try attempt("HEAD blob", { try backend.head(RemoteLayout.blob(d)) }) == nil { return .incomplete }
        }
        return .complete
    }

    static func text(_ e: any Error) -> String {
        if let x = e as? XGraphError {
            let d = x.description
            return d.hasPrefix("error: ") ? String(d.dropFirst(7)) : d
        }
        return "\(e)"
    }
}
