import XGraphCore

/// One unit the scheduler orders and runs; the builder makes one per node to build.
public struct SchedTask: Sendable, Hashable {
    public var id: String
    /// Ids of tasks that must succeed first. An id not among the tasks handed to `run`
    /// blocks this task (reported as blocked by that id): the scheduler never guesses.
    public var deps: [String]
    public var resources: Resources
    /// Names of which at most one task may hold each at a time (e.g. a shared file).
    public var mutex: [String]
    /// A concurrency group, limited by `ResourcePool.limits[group]`.
    public var group: String?
    /// Estimated seconds (from earlier runs of the same step); only used for priorities.
    public var duration: Double

    public init(id: String, deps: [String] = [], resources: Resources = Resources(),
                mutex: [String] = [], group: String? = nil, duration: Double = 1) {
        self.id = id; self.deps = deps; self.resources = resources
        self.mutex = mutex; self.group = group; self.duration = duration
    }
}

/// What the delegate decided for a ready task before it takes any resources.
public enum Preparation: Sendable, Equatable {
    /// Nothing to run (e.g. the outputs are cached): the task is finished as given.
    case done(succeeded: Bool)
    /// It must run: queue it for resources.
    case run
}
