/// How a run ended. Every task handed to `run` is in exactly one of `succeeded`, `failed`,
/// `blocked`, `interrupted` and `notStarted`; each list is sorted by id.
public struct SchedulerOutcome: Sendable, Equatable {
    /// Executed successfully, or prepared as `.done(succeeded: true)`.
    public var succeeded: [String]
    /// Executed and failed, prepared as `.done(succeeded: false)`, or unschedulable.
    public var failed: [String]
    /// The subset of `failed` that asked for more than the pool will ever have.
    public var unschedulable: [String]
    /// Task → the failed (or unknown) ancestor that keeps it from running.
    public var blocked: [String: String]
    /// Were executing when the run was cancelled and did not report success.
    public var interrupted: [String]
    /// Never started: after cancellation, after a failure without keepGoing, or in a cycle.
    public var notStarted: [String]
    public var cancelled: Bool

    public init(succeeded: [String] = [], failed: [String] = [], unschedulable: [String] = [],
                blocked: [String: String] = [:], interrupted: [String] = [], notStarted: [String] = [],
                cancelled: Bool = false) {
        self.succeeded = succeeded; self.failed = failed; self.unschedulable = unschedulable
        self.blocked = blocked; self.interrupted = interrupted; self.notStarted = notStarted
        self.cancelled = cancelled
    }

    public var allSucceeded: Bool {
        failed.isEmpty && blocked.isEmpty && interrupted.isEmpty && notStarted.isEmpty && !cancelled
    }
}
