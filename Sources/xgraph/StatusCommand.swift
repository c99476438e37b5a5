import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphExecutors

/// `xgraph status`: the store and the Slurm queue reconciled, node by node.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each node as cached, queued, running, failed (with its log's last lines), lost or not built.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var experiment: ExperimentArguments

    func run() async throws {
        do {
            let ws = try Workspace.open(file: experiment.file, storePath: store.store)
            let selection = try ws.selection(experiment.targets)
            let planner = Planner.forQueries(graph: ws.graph, store: ws.store)
            // squeue is asked only when some node was submitted: status works where Slurm is not.
            var queue: [String: SlurmListedJob]?
            var queueError: String?
            let registry = SlurmRegistry(store: ws.store, file: ws.specPath, queue: SlurmQueue())
            if registry.hasEntries(selection.map { ws.graph.nodes[$0].id }) {
                let jobs = await registry.queue.snapshot()
                if let e = await registry.queue.lastError { queueError = e } else { queue = jobs }
            }
            var status = try planner.queueStatus(selection: selection, registry: registry, queue: queue)
            status.queueError = queueError
            print(Self.render(status, verbose: store.verbose))
            XGraph.finish()
        } catch {
            XGraph.fail(error)
        }
    }

    static func render(_ s: QueueStatus, verbose: Bool) -> String {
        var out: [String] = []
        let width = QueueStatus.State.allCases.map(\.rawValue.count).max() ?? 9
        for line in s.lines where verbose || line.state != .cached {
            var text = line.state.rawValue.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + line.node
            if let job = line.job { text += "  (Slurm job \(job))" }
            if !line.detail.isEmpty { text += ": " + line.detail }
            out.append(text)
        }
        if let e = s.queueError { out.append("warning: \(e); queued and running jobs are shown as submitted") }
        let counts = QueueStatus.State.allCases.compactMap { st -> String? in
            let n = s.count(st)
            return n == 0 ? nil : "\(n) \(st.rawValue)"
        }
        out.append(counts.isEmpty ? "no nodes" : counts.joined(separator: ", "))
        return out.joined(separator: "\n")
    }
}

/// `xgraph cancel`: removes from the Slurm queue exactly the jobs of this experiment's nodes.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel the queued and running Slurm jobs of an experiment (or of the nodes matching TARGETs).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var experiment: ExperimentArguments

    func run() async throws {
        do {
            let ws = try Workspace.open(file: experiment.file, storePath: store.store)
            // The targets themselves, not their inputs: cancelling the fine-tunes leaves the
            // pretraining they wait for alone. (Jobs waiting on a cancelled job leave the queue too.)
            let nodes = experiment.targets.isEmpty ? Array(ws.graph.nodes.indices) : try ws.graph.matching(experiment.targets)
            let registry = SlurmRegistry(store: ws.store, file: ws.specPath, queue: SlurmQueue())
            let ids = nodes.map { ws.graph.nodes[$0].id }
            guard registry.hasEntries(ids) else {
                print("no Slurm jobs were submitted for \(experiment.targets.isEmpty ? "this experiment" : "these nodes")")
                XGraph.finish()
            }
            let listed = await registry.queue.snapshot()
            if let e = await registry.queue.lastError { throw XGraphError.build(e) }
            // Only jobs squeue lists as these nodes' submissions: an id the registry remembers
            // may name someone else's job after the controller started afresh.
            let seen = ids.compactMap { registry.view(node: $0, listed: listed) }
            let jobs = seen.map(\.job)
            let live = seen.filter { $0.state != nil }.map(\.job)
            let executor = SlurmExecutor(queue: registry.queue)
            try await executor.cancel(live.map(\.job))
            for j in live { print("cancelled \(j.node) (Slurm job \(j.job))") }
            print("cancelled \(live.count) job\(live.count == 1 ? "" : "s"); \(jobs.count - live.count) had already left the queue")
            XGraph.finish()
        } catch {
            XGraph.fail(error)
        }
    }
}
