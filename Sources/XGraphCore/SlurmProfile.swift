/// Where and under whose name Slurm places a node's job: the parts of an `sbatch` request that
/// are not the step's own `resources`. Placement never enters a key: the same node run on
/// another partition or account gives the same result.
///
/// Set at file level (`executor: {slurm: {...}}`), per step (`slurm: {...}`, which overrides the
/// file's fields one by one) and on the command line (which overrides both).
public struct SlurmProfile: Sendable, Equatable, Codable {
    public var partition: String?
    public var account: String?
    public var qos: String?
    public var constraint: String?
    public var reservation: String?
    /// Further `sbatch` arguments, each one word (`--exclusive`, `--nice=10`), added after the
    /// ones xgraph writes; a profile that overrides another appends to its list.
    public var sbatchArgs: [String]
    /// For `resume: true` steps: seconds before the time limit at which the step's process group
    /// gets SIGUSR1 (to save its state) and the job is requeued. Nil: `defaultSignalSeconds`.
    public var signalSeconds: Int?
    /// At most this many tasks of one of xgraph's job arrays run at once (`--array=…%N`,
    /// `max_running`); nil: the build's `--max-queued`.
    public var maxRunning: Int?

    public static let defaultSignalSeconds = 300
    /// Beyond any cluster's limits; only there so every number read has one.
    public static let mostRunning = 1_000_000

    public init(partition: String? = nil, account: String? = nil, qos: String? = nil, constraint: String? = nil,
                reservation: String? = nil, sbatchArgs: [String] = [], signalSeconds: Int? = nil, maxRunning: Int? = nil) {
        self.partition = partition; self.account = account; self.qos = qos; self.constraint = constraint
        self.reservation = reservation; self.sbatchArgs = sbatchArgs; self.signalSeconds = signalSeconds
        self.maxRunning = maxRunning
    }

    /// This profile with every field `other` sets taken from `other`.
    public func overridden(by other: SlurmProfile) -> SlurmProfile {
        SlurmProfile(partition: other.partition ?? partition, account: other.account ?? account,
                     qos: other.qos ?? qos, constraint: other.constraint ?? constraint,
                     reservation: other.reservation ?? reservation, sbatchArgs: sbatchArgs + other.sbatchArgs,
                     signalSeconds: other.signalSeconds ?? signalSeconds, maxRunning: other.maxRunning ?? maxRunning)
    }
}

/// Which executor an experiment file asks for (`executor: local` or `executor: slurm`, or the
/// mapping form with a profile). The command line and `XGRAPH_EXECUTOR` override it.
public enum ExecutorKind: String, Sendable, CaseIterable {
    case local
    case slurm
}
