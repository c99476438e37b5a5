import Foundation
import XGraphCore

/// One command to run for one node, fully rendered: the executor never sees YAML or templates.
public struct Job: Sendable {
    public var node: String
    /// A POSIX shell command line (run with `/bin/sh -c`), values already quoted.
    public var command: String
    /// Variables added to the inherited environment (XGRAPH_OUT, XGRAPH_PARAMS, XGRAPH_IN_*, ...).
    public var environment: [String: String]
    public var workingDirectory: String
    /// stdout and stderr go here (appended, so retries keep earlier attempts' output).
    public var logPath: String
    public var resources: Resources
    /// Device ids this job may use; exported as CUDA_VISIBLE_DEVICES and XGRAPH_GPUS.
    public var gpuIDs: [Int]
    /// Folders the job must not change (the store's artifacts and blobs, which its inputs are
    /// hard links into). An executor makes them read-only in fact where it can (see
    /// ReadOnlyMounts); the builder checks the inputs after the job either way.
    public var readOnlyPaths: [String]
    /// The container the command runs in (its image, runtime and binds), nil for the host.
    public var container: ContainerLaunch?

    public init(node: String, command: String, environment: [String: String], workingDirectory: String,
                logPath: String, resources: Resources, gpuIDs: [Int], readOnlyPaths: [String] = []) {
        self.node = node; self.command = command; self.environment = environment
        self.workingDirectory = workingDirectory; self.logPath = logPath
        self.resources = resources; self.gpuIDs = gpuIDs; self.readOnlyPaths = readOnlyPaths
    }
}

public enum JobStatus: Sendable, Equatable {
    case exited(Int32)
    case signaled(Int32)
    /// Killed because it ran past `resources.timeSeconds`.
    case timedOut
    /// Stopped because the build was cancelled.
    case cancelled
    /// Told to stop early (the forwarded SIGUSR1 before a Slurm time limit): whatever it exited
    /// with, its output is not the step's result; its resume folder is kept.
    case preempted

    public var succeeded: Bool { self == .exited(0) }
    /// A number for records: the exit code, 128+signal for signals, 124 for a time-out, 130 for a cancel.
    public var code: Int32 {
        switch self {
        case .exited(let c): return c
        case .signaled(let s): return 128 + s
        case .timedOut: return 124
        case .cancelled: return 130
        case .preempted: return 143
        }
    }
}

public struct JobResult: Sendable {
    public var status: JobStatus
    public var start: Date
    public var end: Date
    public init(status: JobStatus, start: Date, end: Date) {
        self.status = status; self.start = start; self.end = end
    }
}

/// What runs a job: the local machine, Slurm, or a fake in tests.
/// `run` returns when the job has ended; cancelling the calling task must stop the job
/// (process group SIGTERM, then SIGKILL after a grace period) and return `.cancelled`.
public protocol Executor: Sendable {
    /// Recorded in provenance; never part of a key.
    var name: String { get }
    /// Runs `job`; `onStart` gets the job's process-group id as soon as it exists, so the builder
    /// can record it in the node's lease (a later build then detects orphans after `kill -9`).
    func run(_ job: Job, onStart: @escaping @Sendable (Int32) -> Void) async -> JobResult
}

extension Executor {
    public func run(_ job: Job) async -> JobResult {
        await run(job, onStart: { _ in })
    }
}
