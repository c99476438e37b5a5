/// What one job of a step needs while it runs. Scheduling reads it; keys never do
/// (except `gpus` when a step declares that its GPU count changes results).
public struct Resources: Hashable, Codable, Sendable {
    public var gpus: Int
    public var cpus: Int
    /// Megabytes.
    public var memMB: Int
    /// Wall-time limit in seconds; nil means none.
    public var timeSeconds: Double?

    public init(gpus: Int = 0, cpus: Int = 1, memMB: Int = 0, timeSeconds: Double? = nil) {
        self.gpus = gpus; self.cpus = cpus; self.memMB = memMB; self.timeSeconds = timeSeconds
    }
}
