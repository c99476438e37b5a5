import Foundation
import XGraphCore
import XGraphExecutors
import XGraphStore

/// How a head build hands nodes to Slurm: the executor, the command line's profile, the cap on
/// queued jobs and the node runner's command.
public struct SlurmSettings: Sendable {
    public var executor: SlurmExecutor
    /// The command line's profile; it overrides the file's and each step's fields.
    public var profile: SlurmProfile
    /// At most this many of this build's jobs in the queue at once (clusters cap jobs per user).
    public var maxQueued: Int
    /// The xgraph binary as compute nodes see it (absolute).
    public var xgraph: String
    /// The experiment file (absolute): names this build's jobs in the store's registry (the job
    /// itself never reads it; it runs the node's description).
    public var specFile: String
    /// Where `sbatch --chdir` puts the job: the head's working folder.
    public var workingDirectory: String
    /// Nodes of one shape that are ready together go out as one job array (SlurmBatcher);
    /// off: one `sbatch` per node.
    public var arrays: Bool

    public init(executor: SlurmExecutor, profile: SlurmProfile, maxQueued: Int, xgraph: String,
                specFile: String, workingDirectory: String, arrays: Bool = true) {
        self.executor = executor; self.profile = profile; self.maxQueued = max(1, maxQueued)
        self.xgraph = xgraph; self.specFile = specFile; self.workingDirectory = workingDirectory
        self.arrays = arrays
    }

    /// The `%M` of an array of nodes placed by `profile`: its `max_running`, else `maxQueued`.
    func throttle(_ profile: SlurmProfile) -> Int { profile.maxRunning ?? maxQueued }

    public static let defaultMaxQueued = 500

    /// The node runner's argument vector for `runs` (`NodeRunnerCommand`): one attempt of one
    /// node, or the nodes of a grouped task one after another. Every way of submitting a node
    /// runs this. The job reads nothing but the store: each node's description
    /// (`Builder.writeJobDescription`) holds the node, its inputs, the key and the head's
    /// provenance.
    func runnerCommand(_ runs: [NodeRunnerCommand.Run], store: Store) -> [String] {
        NodeRunnerCommand.arguments(xgraph: xgraph, store: store.root, runs: runs)
    }
}
