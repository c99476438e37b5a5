/// The node runner's argument vector (`xgraph run-node`), the one thing a Slurm job or array
/// task runs. Its one producer, so the head and the runner's parser agree on it:
///
///     XGRAPH run-node --description D1 --store S --attempt A1 --log L1 [--description D2 --attempt A2 --log L2 …]
///
/// One run is the form a job of its own has always had. Several runs are a grouped task's nodes
/// (`group:`), run one after another by that one process: starting a runner per node cost more
/// CPU than a node of half a second (docs/slurm.md, How fast). The k-th `--description`,
/// `--attempt` and `--log` belong together.
public enum NodeRunnerCommand {
    /// One node attempt: its description in the store, its attempt number and its log.
    public struct Run: Sendable, Equatable {
        public var description: String
        public var attempt: Int
        public var log: String
        public init(description: String, attempt: Int, log: String) {
            self.description = description; self.attempt = attempt; self.log = log
        }
    }

    public static func arguments(xgraph: String, store: String, runs: [Run]) -> [String] {
        var argv = [xgraph, "run-node"]
        for (k, run) in runs.enumerated() {
            argv += ["--description", run.description]
            if k == 0 { argv += ["--store", store] }
            argv += ["--attempt", String(run.attempt), "--log", run.log]
        }
        return argv
    }
}
