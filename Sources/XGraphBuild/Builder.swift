import Foundation
import XGraphCore
import XGraphExecutors
import XGraphGraph
import XGraphKeys
import XGraphScheduler
import XGraphStore

/// The builder: plan → rebuild decision → schedule → execute → record (docs/design.md §3).
/// It is handed an expanded graph and never parses YAML; processes run only through `executor`.
public final class Builder: Sendable {
    public let graph: Graph
    public let store: Store
    public let executor: any Executor
    public let renderer: CommandRenderer
    public let options: BuildOptions
    public let observer: any BuildObserver
    /// Set when nodes run as Slurm jobs (`--executor slurm`, the `SlurmBackend`); `executor` is
    /// then unused on the head (the job's runner starts the step with its own).
    public let slurm: SlurmSettings?
    /// What the build decides before it runs anything, and all a dry run does.
    public let planner: Planner
    private let deferredProvenance: Deferred<BuildProvenance>

    /// Provenance and history are computed only when first needed: a null build reads neither.
    public init(graph: Graph, store: Store, executor: any Executor, renderer: CommandRenderer,
                options: BuildOptions, provenance: @autoclosure @escaping @Sendable () -> BuildProvenance,
                history: @autoclosure @escaping @Sendable () -> DurationHistory = DurationHistory(),
                observer: any BuildObserver = SilentObserver(), slurm: SlurmSettings? = nil) {
        self.graph = graph; self.store = store; self.executor = executor; self.renderer = renderer
        self.options = options; self.observer = observer; self.slurm = slurm
        self.deferredProvenance = Deferred(provenance)
        self.planner = Planner(graph: graph, store: store, options: options, onCluster: slurm != nil, history: history())
    }

    /// The git state recorded in every action record of this build.
    public var provenance: BuildProvenance { deferredProvenance.value }
    /// Seconds per node id from earlier runs (the results index), for the critical path.
    public var history: DurationHistory { planner.history }

    func makeRebuilder(selection: [Int], restore: Bool) throws -> Rebuilder {
        try planner.makeRebuilder(selection: selection, restore: restore)
    }

    func unfittable(_ i: Int) -> String? { planner.unfittable(i) }

    /// Decides every selected node without running anything (`Planner.plan`).
    public func plan(selection: [Int]) throws -> Plan { try planner.plan(selection: selection) }

    func planned(selection: [Int], rebuilder: Rebuilder, estimated: Bool) throws -> Plan {
        try planner.planned(selection: selection, rebuilder: rebuilder, estimated: estimated)
    }

    static func message(_ e: XGraphError) -> String { Planner.message(e) }

    /// The one place that picks where this build's nodes run (ExecutionBackend).
    func backend(rebuilder: Rebuilder) -> any ExecutionBackend {
        if let slurm { return SlurmBackend(builder: self, rebuilder: rebuilder, slurm: slurm) }
        return LocalBackend(runner: NodeRunner(builder: self, rebuilder: rebuilder, executor: executor))
    }

    // MARK: - Build

    /// Runs what the plan says must run, in dependency order, on the pool's free slots.
    /// Cancelling the calling task stops scheduling and tears running jobs down.
    public func build(selection: [Int]) async throws -> BuildSummary {
        // The plan is made under gc's lock held shared, and the keys it will use are pinned
        // before the lock is released, so a gc never deletes what this build decided to reuse
        // (GCLock.swift). A null build pins nothing: it uses nothing after it ends.
        let gcLock = store.gcShared { Console.err("xgraph: waiting for a gc of \(store.root) to finish\n") }
        defer { gcLock.release() }
        let rebuilder = try makeRebuilder(selection: selection, restore: true)
        // Null builds are decided by the plan alone: no scheduler, no tasks, no history, no GPUs.
        let plan = try planned(selection: selection, rebuilder: rebuilder, estimated: false)
        // A node that can never fit is an error before anything runs, not a hang.
        for (i, entry) in zip(selection, plan.entries) {
            guard case .blocked = entry.status, let why = unfittable(i) else { continue }
            throw XGraphError.build("\(graph.nodes[i].id) \(why)")
        }
        if plan.toRun == 0 && plan.blocked == 0 {
            var summary = BuildSummary()
            summary.selected = selection.count
            summary.cached = selection.count
            return summary
        }
        try store.pin(plan.entries.compactMap { $0.key?.key }, held: gcLock)
        gcLock.release()
        let run = BuildRun(builder: self, rebuilder: rebuilder, selection: selection, plan: plan)
        return await run.execute()
    }
}

