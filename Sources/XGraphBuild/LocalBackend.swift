import XGraphCore
import XGraphGraph

/// Runs each attempt on this machine: the node runner (every check, the record) around the
/// builder's executor. Also what a Slurm job's runner uses on its compute node.
struct LocalBackend: ExecutionBackend {
    let runner: NodeRunner

    func reservation(for node: Node) -> Resources { node.resources }
    func maxInFlight(_ options: BuildOptions) -> Int { options.jobs }
    func attempt(_ attempt: NodeAttempt) async -> AttemptOutcome { await runner.run(attempt) }
    func mayHaveRunElsewhere(_ node: Node) -> Bool { false }
}
