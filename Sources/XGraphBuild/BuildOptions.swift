import Foundation
import XGraphCore
import XGraphRemote
import XGraphResults
import XGraphStore

public struct BuildOptions: Sendable {
    /// At most this many jobs at once (`-j`); by default only resources limit them (every job
    /// holds at least its `cpus`, one by default, so a CPU-only study runs one job per core).
    public var jobs: Int
    /// Run everything that does not depend on a failure (`-k`).
    public var keepGoing: Bool
    /// Node-name globs to run even when cached (`--force`).
    public var force: [String]
    /// The machine's GPUs by device id, and their model: found on first use (see `findGPUs`).
    public var gpuIDs: [Int] { gpus.value.ids }
    public var gpuModel: String? { gpus.value.model }
    private var gpus: Deferred<GPUSet>
    /// CPU slots and memory the scheduler may hand out.
    public var cpus: Int
    public var memMB: Int
    /// Seconds to wait before retrying a failed attempt; doubles each time.
    public var retryBackoff: Double
    /// The version of the built-in steps; it enters the keys of builtin nodes.
    public var builtinVersion: Int
    /// Where the build hands each action record it writes (the results index, in batches), so
    /// that no record is kept in memory for the whole build; nil: records are only in the store.
    public var records: (any RecordSink)?
    /// The remote cache a node without a local record is fetched from before it runs
    /// (BuildRun+Remote.swift); nil: none, or `--remote-mode write|off`. Pushing goes through
    /// `records` (RemotePushSink), so it needs nothing here.
    public var remote: RemoteCache?
    /// `code:` digests by absolute path, used instead of digesting the disk: the code as it was
    /// at a commit, for a plan of the experiment file as of that commit (`xgraph diff FILE A B`).
    /// A path not in it is digested on disk as usual. Only plans set it; a build never does.
    public var codeDigests: [String: Digest] = [:]

    public init(jobs: Int = 1024, keepGoing: Bool = false,
                force: [String] = [], gpuIDs: [Int] = [], gpuModel: String? = nil,
                cpus: Int = ProcessInfo.processInfo.activeProcessorCount,
                memMB: Int = Int(ProcessInfo.processInfo.physicalMemory / 1_048_576), retryBackoff: Double = 1, builtinVersion: Int = 0) {
        self.jobs = max(1, jobs); self.keepGoing = keepGoing; self.force = force
        let known = GPUSet(ids: gpuIDs, model: gpuModel)
        self.gpus = Deferred { known }
        self.cpus = max(1, cpus); self.memMB = memMB; self.retryBackoff = retryBackoff
        self.builtinVersion = builtinVersion
    }

    /// Finds the GPUs with `detect` when they are first needed, instead of the ids given to
    /// `init`: detecting runs nvidia-smi, which takes longer than a whole null build, and a
    /// build whose nodes are all cached never asks.
    public mutating func findGPUs(_ detect: @escaping @Sendable () -> (ids: [Int], model: String?)) {
        gpus = Deferred { let (ids, model) = detect(); return GPUSet(ids: ids, model: model) }
    }
}

struct GPUSet: Sendable {
    var ids: [Int]
    var model: String?
}

/// Where and by whom a build runs: recorded in every action record, never in a key.
public struct BuildProvenance: Sendable {
    public var gitCommit: String?
    public var gitBranch: String?
    public var gitDirty: Bool?
    public var gitDiffDigest: Digest?
    public var host: String
    /// Which `code:` paths hold files the commit does not pin down (nil outside git).
    public var codeTracking: CodeTracking?
    /// This build's id (`BuildID`), written into every record it makes.
    public var buildID: String = BuildID.current

    public init(gitCommit: String?, gitBranch: String?, gitDirty: Bool?, gitDiffDigest: Digest?,
                host: String = ProcessInfo.processInfo.hostName, codeTracking: CodeTracking? = nil) {
        self.gitCommit = gitCommit; self.gitBranch = gitBranch; self.gitDirty = gitDirty
        self.gitDiffDigest = gitDiffDigest; self.host = host; self.codeTracking = codeTracking
    }
}

/// What happened in a build, for the summary line and the exit status.
public struct BuildSummary: Sendable {
    public var selected = 0
    public var ran: [String] = []
    public var cached = 0
    /// Nodes whose inputs were rebuilt but came out byte-identical, so they did not run.
    public var cutOff: [String] = []
    /// Nodes another build on the same store ran while this one waited for them.
    public var builtElsewhere: [String] = []
    /// Nodes fetched from the remote cache instead of run.
    public var fetched: [String] = []
    public var failed: [(node: String, log: String?, status: String)] = []
    public var blocked: [(node: String, by: String)] = []
    public var notStarted: [String] = []
    public var cancelled = false

    public var succeeded: Bool { failed.isEmpty && blocked.isEmpty && notStarted.isEmpty && !cancelled }
}

/// Receives the action records a build writes, as nodes finish. `flush` is called once the
/// scheduler is done, before `build` returns, whether the build succeeded or not.
public protocol RecordSink: Sendable {
    func recorded(_ record: ActionRecord)
    func flush()
}

/// Why a node did not have to run.
public enum CacheHit: String, Sendable {
    /// Its record was there when the build looked.
    case upToDate = "cached"
    /// An input was rebuilt this build but came out byte-identical (early cutoff).
    case cutOff = "cutoff"
    /// Another build on the same store ran it while this one waited.
    case builtElsewhere = "built_elsewhere"
    /// Its record and outputs came from the remote cache.
    case fetched = "remote"

    /// The progress line that reports it; nil for a plain cache hit (not worth a line).
    public func line(_ node: String) -> String? {
        switch self {
        case .upToDate: return nil
        case .cutOff: return "cutoff \(node) (inputs rebuilt byte-identical)"
        case .builtElsewhere: return "done   \(node) (built by another build)"
        case .fetched: return "fetched \(node) (from the remote cache)"
        }
    }
}

/// Progress events, for the live display, timestamped lines or `--json`.
public enum BuildEvent: Sendable {
    case planned(total: Int, toRun: Int)
    case started(node: String, gpuIDs: [Int], attempt: Int)
    case finished(node: String, seconds: Double)
    case cached(node: String, hit: CacheHit)
    case failed(node: String, status: String, log: String?, willRetry: Bool)
    case blocked(node: String, by: String)
    case waiting(node: String, reason: String)
    /// Handed to a cluster queue as job `job` (submitted, or an earlier submission followed).
    case submitted(node: String, job: String)
    /// Seconds each selected node is expected to take if it runs, from the same duration
    /// history the scheduler orders by (per node, else per step scaled by data size).
    case estimated([String: Double])
}

public protocol BuildObserver: Sendable {
    func event(_ e: BuildEvent)
}

public struct SilentObserver: BuildObserver {
    public init() {}
    public func event(_ e: BuildEvent) {}
}

/// One id per `xgraph build` process, made from the time, host and process. A Slurm job's
/// runner reads its head's id from the node description the head wrote (`NodeDescription`),
/// never from the environment: an inherited variable would give a build started inside a step,
/// or every build a test process starts, the id of some other build.
public enum BuildID {
    public static let current: String = "\(TimeText.compactNow())-\(ProcessInfo.processInfo.hostName)-\(getpid())"
}
