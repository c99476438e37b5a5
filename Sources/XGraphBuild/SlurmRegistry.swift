import Foundation
import XGraphCore
import XGraphExecutors
import XGraphStore

/// The store's job registry (`jobs/`) read against the queue. An entry only says which job id a
/// head was given; it is believed while squeue lists that id *as this node's submission* (its
/// job name and log path), never on the id alone: ids restart at 1 when a controller starts
/// again with fresh state, and a reused id names someone else's job.
public struct SlurmRegistry: Sendable {
    public let store: Store
    /// The experiment file, absolute.
    public let file: String
    public let queue: SlurmQueue

    public init(store: Store, file: String, queue: SlurmQueue) {
        self.store = store; self.file = file; self.queue = queue
    }

    /// Seconds another head's clock may run ahead of ours: an entry submitted less than this
    /// before our last poll began may name a job that poll could not list yet.
    static let clockSkew: TimeInterval = 120

    /// The job of `node` that is queued or running now, or nil when a new one must be submitted.
    /// The caller holds the node's submission lock, so no other head is between `sbatch` and
    /// the registry write; a "submitting" marker found here was left by a head killed there,
    /// and the job it may have made is adopted (recorded in the registry) if squeue lists it.
    /// - Parameter key: the key the job must produce; an entry for another key is not followed
    ///   (nil on either side: submitted or asked behind inputs still to be built).
    func current(node: String, key: String?) async throws -> SubmittedJob? {
        if let marker = store.submittingJob(file: file, node: node) {
            await queue.refreshNow()
            let listed = await queue.snapshot()
            let identity = marker.identity
            if let id = listed.first(where: { $0.value.identity == identity })?.key {
                var adopted = marker
                adopted.job = id
                try store.recordSubmittedJob(adopted)
            }
            store.clearSubmitting(file: file, node: node)
        }
        guard let entry = store.submittedJob(file: file, node: node),
              entry.key == nil || key == nil || entry.key == key else { return nil }
        let identity = entry.identity
        if await queue.state(of: entry.job, as: identity) != nil { return entry }
        // Not listed by the last poll; but another head may have submitted it since that poll
        // began (two builds at once): ask squeue again before submitting a second job.
        let listedAt = await queue.listedAt
        guard listedAt.map({ entry.submitted > $0.addingTimeInterval(-Self.clockSkew) }) ?? true else { return nil }
        return await queue.state(of: entry.job, as: identity, fresh: true) != nil ? entry : nil
    }

    /// The job of `node` still queued or running for a key other than `key` (the experiment
    /// file or code changed since): its runner would refuse to run anything once it starts
    /// (the key it computes differs from its `--key`), so it only holds a place in the queue and
    /// an allocation; once a job for the current key replaces it in the registry, no command
    /// would see it any more. The caller cancels it before submitting. Under the lock.
    func superseded(node: String, key: String?) async -> SubmittedJob? {
        guard let key, let entry = store.submittedJob(file: file, node: node), let old = entry.key, old != key else { return nil }
        return await queue.state(of: entry.job, as: entry.identity) != nil ? entry : nil
    }

    /// What `status` and `cancel` see of `node`, without writing anything: the last job
    /// submitted for it (or the one a killed head submitted without recording it), and its
    /// state if squeue lists it as that submission; nil when none was ever submitted.
    public func view(node: String, listed: [String: SlurmListedJob]?) -> (job: SubmittedJob, state: SlurmJobState?)? {
        if let marker = store.submittingJob(file: file, node: node), let listed {
            let identity = marker.identity
            if let (id, job) = listed.first(where: { $0.value.identity == identity }) {
                var orphan = marker
                orphan.job = id
                return (orphan, job.state)
            }
        }
        guard let entry = store.submittedJob(file: file, node: node) else { return nil }
        return (entry, listed?.state(of: entry.job, as: entry.identity))
    }

    /// Whether anything was ever submitted for one of `nodes`: squeue is asked only then, so
    /// `status` works where Slurm is not installed.
    public func hasEntries(_ nodes: [String]) -> Bool {
        nodes.contains { store.submittedJob(file: file, node: $0) != nil || store.submittingJob(file: file, node: $0) != nil }
    }
}

extension SubmittedJob {
    /// How the queue lists this submission: its own job (`xg:NODE`, its log as output) or a task
    /// of an array (the array's name, the task's output file).
    public var identity: SlurmJobIdentity {
        SlurmJobIdentity(name: jobName ?? SlurmJobRequest.jobName(node), log: output ?? log)
    }
}
