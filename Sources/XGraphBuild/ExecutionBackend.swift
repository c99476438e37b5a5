import XGraphCore
import XGraphGraph

/// Where a node that must run goes. The build (BuildRun) decides what runs, in which order and
/// whether to try again; a back-end only carries out one attempt (start the work, follow it,
/// stop it when the build is cancelled) and says how it ended. Two exist:
///
/// - `LocalBackend`: the `NodeRunner` on this machine, its step started by an `Executor`
///   (local processes; a test's fake). A new way to start a process here (a container
///   runtime, a wrapper) is one new `Executor`, handed to `Builder`.
/// - `SlurmBackend`: submits the node as a Slurm job whose runner is the `NodeRunner` on the
///   compute node, follows it and reads the outcome from the store.
///
/// A new kind of cluster or batch service is one new back-end, chosen in `Builder.backend`.
protocol ExecutionBackend: Sendable {
    /// What the build's own resource pool holds while an attempt of `node` is out: all it asks
    /// for when it runs here, nothing when a cluster places it.
    func reservation(for node: Node) -> Resources
    /// At most this many attempts out at once.
    func maxInFlight(_ options: BuildOptions) -> Int
    func attempt(_ attempt: NodeAttempt) async -> AttemptOutcome
    /// Whether `node`, found recorded after its inputs ran in this build, may have been run by
    /// this back-end outside this build (a detached build's queued job) rather than cut off.
    func mayHaveRunElsewhere(_ node: Node) -> Bool
    /// The build is deciding whether `node` runs (and will then hand it over unless `decided`
    /// says otherwise): a back-end that gathers the nodes ready together (Slurm's job arrays)
    /// knows more are on their way.
    func deciding(_ node: Node) async
    func decided(_ node: Node, willRun: Bool) async
}

extension ExecutionBackend {
    func deciding(_ node: Node) async {}
    func decided(_ node: Node, willRun: Bool) async {}
}
