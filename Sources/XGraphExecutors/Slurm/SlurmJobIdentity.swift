import Foundation

/// What makes a listed Slurm job one particular submission of xgraph's, not merely a job with
/// the same id: job ids restart at 1 when a controller starts again with fresh state, so an id
/// the store's registry remembers may name someone else's job a day later.
///
/// A submission is known by its job name (`xg:NODE`) and its `--output` path, which is the
/// attempt's log: unique per submission (it holds the UTC time, the head's pid and the attempt),
/// so a reused id never carries both.
public struct SlurmJobIdentity: Sendable, Equatable, Hashable {
    public var name: String
    public var log: String

    public init(name: String, log: String) {
        self.name = name; self.log = log
    }

    /// The identity of the job xgraph submits for `node` with this log.
    public init(node: String, log: String) {
        self.init(name: SlurmJobRequest.jobName(node), log: log)
    }
}

/// One job as `squeue` lists it: its state, and what it was submitted as.
public struct SlurmListedJob: Sendable, Equatable {
    public var state: SlurmJobState
    public var identity: SlurmJobIdentity

    public init(state: SlurmJobState, identity: SlurmJobIdentity) {
        self.state = state; self.identity = identity
    }
}

extension Dictionary where Key == String, Value == SlurmListedJob {
    /// The state of job `id` if the queue lists it as the submission `identity`; nil when it has
    /// ended, or when its id now names another job.
    public func state(of id: String, as identity: SlurmJobIdentity) -> SlurmJobState? {
        guard let listed = self[id], listed.identity == identity else { return nil }
        return listed.state
    }
}
