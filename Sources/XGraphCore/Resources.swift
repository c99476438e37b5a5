/// What one job of a step needs while it runs. Scheduling reads it; keys never do
/// (except `gpus` when a step declares that its GPU count changes results).
public struct Resources: Hashable, Codable, Sendable {
    public var gpus: Int
    public var cpus: Int
    /// Megabytes.
    public var memMB: Int
    /// Wall-time limit in seconds; nil means none.
    public var timeSeconds: Double?

    /// Limits on what a step or the command line may ask for. The resource pool holds one id
    /// per GPU, so `--gpus 100000000` built an array of 10^8 ids before running anything
    ///; no machine has more of either.
    public static let maxGPUs = 4096
    public static let maxCPUs = 65536

    public init(gpus: Int = 0, cpus: Int = 1, memMB: Int = 0, timeSeconds: Double? = nil) {
        self.gpus = gpus; self.cpus = cpus; self.memMB = memMB; self.timeSeconds = timeSeconds
    }
}
