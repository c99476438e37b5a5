public struct SchedulerOptions: Sendable {
    /// After a failure, still run everything that does not depend on it.
    public var keepGoing: Bool
    /// At most this many tasks executing at once (`-j`); the pool limits them as well.
    public var maxJobs: Int
    /// At most this many `prepare` calls at once, so a wide graph does not flood the disk.
    public var maxPreparing: Int
    /// A queued task that does not fit gets a reservation after this many lower-priority
    /// tasks have started ahead of it (anti-starvation; see docs/executors.md).
    public var starvationLimit: Int

    public init(keepGoing: Bool = false, maxJobs: Int = .max, maxPreparing: Int = 16,
                starvationLimit: Int = 4) {
        self.keepGoing = keepGoing; self.maxJobs = max(1, maxJobs)
        self.maxPreparing = max(1, maxPreparing); self.starvationLimit = max(0, starvationLimit)
    }
}
