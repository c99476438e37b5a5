/// What the scheduler tells its caller, for progress display and logs.
public enum SchedulerEvent: Sendable, Equatable {
    /// Prepared as `.run` and waiting in the ready queue for resources.
    case queued(String)
    /// A waiting task was passed over too often and now holds a reservation: nothing that
    /// would delay it starts until it does (see docs/executors.md, "Scheduling").
    case reserved(String)
    case started(String, Allocation)
    case finished(String, succeeded: Bool)
    /// `prepare` said `.done`: nothing ran.
    case skipped(String, succeeded: Bool)
    /// Will not run because `by` (an ancestor) failed, was unschedulable or is unknown.
    case blocked(String, by: String)
    /// Asks for more than the pool will ever have; counted as a failure.
    case unschedulable(String)
}

/// The scheduler's view of the builder: decide, run, and hear about progress.
public protocol SchedulerDelegate: Sendable {
    /// Called once all deps succeeded, without holding resources (may do I/O such as
    /// checking the cache); several run concurrently.
    func prepare(_ task: String) async -> Preparation
    /// Runs the task on the allocated resources; true means success. Sees Task cancellation
    /// when the build is cancelled.
    func execute(_ task: String, allocation: Allocation) async -> Bool
    func event(_ e: SchedulerEvent) async
}
