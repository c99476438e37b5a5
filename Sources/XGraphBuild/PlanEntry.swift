import XGraphCore
import XGraphKeys

/// The rebuilder's decision for one node of a dry run.
public struct PlanEntry: Sendable {
    public var node: String
    public var status: NodeStatus
    /// Known when every input's output digest is known (sources and cached nodes).
    public var key: NodeKey?
    /// The output digest when cached (or the fingerprint of a dataset).
    public var output: Digest?
}

/// What `xgraph plan` shows: each selected node's decision, in topological order.
public struct Plan: Sendable {
    public var entries: [PlanEntry]
    /// Estimated seconds for each node that will run, by node id.
    public var estimates: [String: Double]
    public var gpuHours: Double
    /// Estimated wall time of what will run: the longer of the critical path and the total
    /// work divided over the machine's slots.
    public var wallSeconds: Double
    /// What `wallSeconds` assumes, when it is not this machine's slots (`plan --executor slurm`).
    public var wallBasis: String?
    /// Nodes that will run with no history and no `estimate:`: left out of the figures above.
    public var unestimated = 0
    /// Advice printed under the totals (`GroupProposal`).
    public var hints: [String] = []

    public var toRun: Int { entries.filter { if case .willRun = $0.status { return true }; return false }.count }
    public var blocked: Int { entries.filter { if case .blocked = $0.status { return true }; return false }.count }
}
