/// A step's `group: { max_nodes: N, max_time: T }`: on a cluster, up to N of its nodes that
/// are ready together run one after another in one job (one array task), so short nodes do not
/// each pay the scheduler's start-up time. Each node is still recorded as soon as it ends.
/// Never part of a key: where a node runs does not change its result.
public struct JobGroup: Sendable, Hashable, Codable {
    /// At most this many nodes in one job.
    public var maxNodes: Int
    /// The job's time limit, and what the nodes packed into one job may take together by their
    /// duration history; nil: the nodes' own time limits, added up.
    public var maxTime: Double?

    public init(maxNodes: Int, maxTime: Double? = nil) {
        self.maxNodes = maxNodes; self.maxTime = maxTime
    }

    /// Far beyond any useful group; only there so every number read has a limit.
    public static let mostNodes = 100_000
}
