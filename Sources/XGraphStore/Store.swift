import Foundation
import Synchronization
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// The content-addressed store (DESIGN §4): blobs, trees, artifacts, action records, the key
/// log, last builds per node, logs, resume folders, run leases and the file-digest cache.
///
/// Several processes, on one host or on several hosts sharing a file system, may use one store
/// at once. So nothing relies on memory shared between them: everything becomes visible by
/// `rename(2)` or `link(2)` from `tmp/`, leases are `flock(2)`s, and the in-memory maps of this
/// class are caches that fall back to the files. Within one process the class is safe to call
/// from concurrent tasks; its caches sit behind one mutex.
///
/// Layout (see docs/store.md):
///
///     VERSION                         "1\n": the layout version below
///     blobs/<aa>/<digest>             file contents, read-only (0444), named by SHA-256
///     blobs/<aa>/<digest>.x           the same content, executable (0555): hard links share
///                                     their mode, so the two variants are separate files
///     trees/<aa>/<digest>.json        tree manifests (TreeManifest)
///     artifacts/<digest>/             materialised trees: hard links to blobs, folders 0555
///     records/<aa>/<key>.json         action records, write-once (ActionRecord)
///     keys.log                        "key output\n" per record, appended after it is in place
///     nodes.log                       "key node\n" per successful build: the last key per node name
///     logs/<aa>/<sha256(name)>.*.log  one log per attempt
///     locks/<key>.lock                run leases (flock), holding LeaseInfo JSON
///     resume/<key>/                   scratch folders of `resume: true` steps
///     tmp/<pid>_<rand>_<kind>_<host> everything before it is renamed in; garbage after a crash
///     digest-cache                    file digests by (path, size, mtime, inode)
///     .gitignore                      "*\n", in a store created inside a git work tree
///
/// Version History:
/// * 1: first version.
/// * 2: nodes.log replaces nodes/<sha256(name)>.json, and logs are flat files instead of a folder
///   per node with a `latest` link: a short step created ten files, and file creation was most
///   of its cost.
public final class Store: @unchecked Sendable {
    public static let layoutVersion = 2

    /// The absolute path of the store's folder.
    public let root: String

    struct Caches {
        /// key → output, from keys.log and record files; nil until first needed.
        var outputs: [Digest: Digest]?
        var digestCache: DigestCacheTable?
        /// node name → key of its last successful build, from nodes.log; nil until first needed.
        var lastKeys: [String: Digest]?
        /// Names in artifacts/, read once a build has asked `hasArtifact` often enough.
        var artifactNames: Set<String>?
        var artifactChecks = 0
    }
    let caches = Mutex(Caches())
    private let tempCounter = Atomic<Int>(0)

    /// Opens the store at `root`, creating its layout if missing, and removes temporary
    /// leftovers of processes that are gone.
    public init(root: String) throws {
        var abs = root
        if !abs.hasPrefix("/") {
            abs = FileManager.default.currentDirectoryPath + "/" + abs
        }
        abs = (abs as NSString).standardizingPath
        self.root = abs
        try POSIX.makeDirectories(abs)
        for sub in ["blobs", "trees", "artifacts", "records", "logs", "locks", "resume", "tmp"] {
            try POSIX.makeDirectories(abs + "/" + sub)
        }
        let isNew = POSIX.readFile(abs + "/VERSION") == nil
        try checkVersion()
        if isNew { try ignoreItselfInGit() }
        sweepTemporaries()
    }

    private func checkVersion() throws {
        let path = root + "/VERSION"
        if POSIX.readFile(path) == nil {
            try POSIX.publish(Data("\(Self.layoutVersion)\n".utf8), at: path, tempDir: tmpDir,
                              tempName: tempName("version"), overwrite: false)
        }
        guard let data = POSIX.readFile(path),
              let text = String(data: data, encoding: .utf8),
              let found = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw XGraphError.store("\(path) is unreadable; is \(root) an xgraph store?")
        }
        guard found == Self.layoutVersion else {
            throw XGraphError.store("\(root) has store layout version \(found); this xgraph understands version \(Self.layoutVersion)"
                + " (move that store away or pass another --store; docs/store.md lists what changed)")
        }
    }

    // MARK: Paths

    var tmpDir: String { root + "/tmp" }

    static func fanOut(_ hex: String) -> String { String(hex.prefix(2)) }

    func blobPath(_ d: Digest, executable: Bool) -> String {
        "\(root)/blobs/\(Self.fanOut(d.hex))/\(d.hex)\(executable ? ".x" : "")"
    }
    func manifestPath(_ d: Digest) -> String { "\(root)/trees/\(Self.fanOut(d.hex))/\(d.hex).json" }
    func recordPath(_ key: Digest) -> String { "\(root)/records/\(Self.fanOut(key.hex))/\(key.hex).json" }
    var keyLogPath: String { root + "/keys.log" }

    /// A unique name in tmp/: `<pid>_<random>_<kind>_<host>`, so that a later start can tell
    /// whether its owner is still alive (same host) before deleting it.
    func tempName(_ kind: String) -> String {
        let n = tempCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        let rand = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(getpid())_\(rand)\(n)_\(kind)_\(POSIX.hostName)"
    }

    /// Temporaries older than this are removed even when their owner cannot be checked
    /// (another host on a shared file system).
    static let foreignTemporaryAge: TimeInterval = 24 * 3600

    /// Deletes tmp/ entries whose owner is a dead process on this host, and entries of other
    /// hosts (or unparseable names) older than a day. Never a live process's.
    func sweepTemporaries() {
        for name in temporaryLeftovers() {
            POSIX.removeTree(tmpDir + "/" + name)
        }
    }

    /// The tmp/ entries that no live process owns.
    func temporaryLeftovers() -> [String] {
        let now = Date().timeIntervalSince1970
        var dead: [String] = []
        for name in POSIX.list(tmpDir) ?? [] {
            let parts = name.split(separator: "_", maxSplits: 3, omittingEmptySubsequences: false)
            if parts.count == 4, let pid = Int32(parts[0]), String(parts[3]) == POSIX.hostName {
                if !POSIX.processExists(pid) { dead.append(name) }
                continue
            }
            var st = stat()
            if lstat(tmpDir + "/" + name, &st) == 0,
               now - Double(st.st_mtim.tv_sec) > Self.foreignTemporaryAge {
                dead.append(name)
            }
        }
        return dead.sorted()
    }
}
