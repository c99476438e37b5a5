import Foundation
import Synchronization
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// The content-addressed store (docs/design.md §4): blobs, trees, artifacts, action records, the key
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
///     VERSION                         "2\n": the layout version below
///     blobs/<aa>/<digest>             file contents, read-only (0444), named by SHA-256
///     blobs/<aa>/<digest>.x           the same content, executable (0555): hard links share
///                                     their mode, so the two variants are separate files
///     trees/<aa>/<digest>.json        tree manifests (TreeManifest)
///     artifacts/<digest>/             materialised trees: hard links to blobs, folders 0555
///     records/<aa>/<key>.json         action records, write-once (ActionRecord)
///     records/<aa>/<key>.lost         beside a record whose output was removed as damaged (DamageRepair)
///     keys.log                        "key output\n" per record, appended after it is in place
///     nodes.log                       "key node\n" per successful build: the last key per node name
///     logs/<aa>/<sha256(name)>.*.log  one log per attempt
///     locks/<key>.lock                run leases (flock), holding LeaseInfo JSON
///     resume/<key>/                   scratch folders of `resume: true` steps
///     locks/owners/<owner>.lock       leases on temporaries (flock), one per Store that made any
///     tmp/<owner>_<n>_<kind>          everything before it is renamed in; garbage after a crash
///     quarantine/                     damaged records set aside (`verify --repair`, or `write` over one)
///     history/<aa>/<key>.<time>-<pid>.json  records replaced by a re-run (--force, a lost output)
///     digest-cache                    file digests by (path, size, mtime, ctime, inode, device)
///     jobs/                           the Slurm job registry (SubmittedJobs)
///     jobs/descriptions/<aa>/<d>.json the node descriptions jobs run, named by their SHA-256, and
///     jobs/descriptions/<aa>/<d>.key  the key each one's job recorded (JobDescriptions)
///     logs/<aa>/<…>.params.json       each attempt's params file, beside its log
///     results.sqlite                  the results index, derived from the records (XGraphResults)
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

    // The parts, each owning its folder names (the operations that span parts, and the caches
    // they share, stay on this façade).
    /// Blobs, trees, artifacts.
    public let content: ContentStore
    /// Records, keys.log, nodes.log, history.
    public let actions: ActionCache
    /// Run leases, gc's lock, uses, temporaries' owners.
    public let leases: LeaseTable
    /// One log per attempt.
    public let logs: LogFolder
    /// The Slurm job registry.
    public let jobs: JobRegistry

    struct Caches {
        /// key → output, from keys.log and record files; nil until first needed.
        var outputs: [Digest: Digest]?
        var digestCache: DigestCacheTable?
        /// node name → key of its last successful build, from nodes.log; nil until first needed.
        var lastKeys: [String: Digest]?
        /// Names in artifacts/, read once a build has asked `hasArtifact` often enough.
        var artifactNames: Set<String>?
        var artifactChecks = 0
        /// Bumped whenever artifacts are removed, so a listing read before is not installed after.
        var artifactGeneration = 0
        /// The gc generation (GCLock.swift) these caches were read at.
        var gcGeneration = 0
    }
    let caches = Mutex(Caches())
    private let tempCounter = Atomic<Int>(0)
    /// This Store's lease on its temporaries, taken when it names its first one.
    let ownerLease = Mutex<TemporaryOwner.Lease?>(nil)
    /// The files gc pins go through (PinFiles.swift).
    let pinFiles = Mutex(PinFiles())

    /// Opens the store at `root`, creating its layout if missing, and removes temporary
    /// leftovers of processes that are gone.
    public init(root: String) throws {
        var abs = root
        if !abs.hasPrefix("/") {
            abs = FileManager.default.currentDirectoryPath + "/" + abs
        }
        abs = (abs as NSString).standardizingPath
        self.root = abs
        content = ContentStore(root: abs); actions = ActionCache(root: abs); leases = LeaseTable(root: abs)
        logs = LogFolder(root: abs); jobs = JobRegistry(root: abs)
        try Self.enterGroupStore(abs)
        try POSIX.makeDirectories(abs)
        let folders = ContentStore.folders + ActionCache.folders + LogFolder.folders + LeaseTable.folders + ["resume", "tmp"]
        for sub in folders {
            try POSIX.makeDirectories(abs + "/" + sub)
        }
        let isNew = POSIX.readFile(abs + "/VERSION") == nil
        try checkVersion()
        if isNew { try ignoreItselfInGit() }
        sweepTemporaries()
    }

    deinit {
        // Closed before the lease ends, which moves the pins file into locks/uses/.
        pinFiles.withLock { $0.close() }
        ownerLease.withLock { $0?.end() }
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

    /// Whether `path` is laid out as an xgraph store (`TreeScan.isStore`): code digests and the
    /// untracked-code check both leave stores inside a `code:` folder out.
    public static func isStoreFolder(_ path: String) -> Bool { TreeScan.isStore(path) }

    func blobPath(_ d: Digest, executable: Bool) -> String { content.blobPath(d, executable: executable) }
    func manifestPath(_ d: Digest) -> String { content.manifestPath(d) }
    func recordPath(_ key: Digest) -> String { actions.recordPath(key) }
    var keyLogPath: String { actions.keyLogPath }
    /// The results index (derived from the records; module XGraphResults).
    public var resultsIndexPath: String { root + "/results.sqlite" }
    /// What `suggest` proposed and `fit` later checks (XGraphResults' SuggestionLog).
    public var suggestionsPath: String { root + "/suggestions.json" }
    /// The Slurm job registry's folder, where the probe job also leaves its marker.
    public var jobsDirectory: String { jobs.directory }
    /// A path inside the store as the store names it in records (`logs/…`); nil outside it.
    public func relativePath(_ path: String) -> String? {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : nil
    }

    /// A unique name in tmp/: `<owner>_<n>_<kind>`, where `<owner>` is this Store's lease on
    /// its temporaries (see TemporaryOwner.swift): a later start deletes the name only once it
    /// can take that lease, i.e. once this Store is gone, whatever host or PID namespace it ran in.
    func tempName(_ kind: String) -> String {
        let n = tempCounter.wrappingAdd(1, ordering: .relaxed).oldValue
        return "\(temporaryOwner())_\(n)_\(kind)"
    }

    /// Temporaries that name no owner (those of xgraph versions before owner leases) are removed
    /// once older than this.
    static let foreignTemporaryAge: TimeInterval = 24 * 3600

    /// Deletes the tmp/ entries of owners that are gone (and releases their lease files). Never
    /// a live owner's. Runs at every start, so it costs two folder listings and one `flock` try
    /// per lease file.
    func sweepTemporaries() {
        for owner in deadTemporaryOwners() {
            for name in owner.temporaries { POSIX.removeTree(tmpDir + "/" + name) }
            owner.release()
        }
    }

    /// The tmp/ entries that no live owner holds.
    func temporaryLeftovers() -> [String] {
        let owners = deadTemporaryOwners()
        defer { for o in owners { o.close() } }
        return owners.flatMap(\.temporaries).sorted()
    }
}
