import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Dry run: list each node as cached, will run or blocked, with its reason.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var experiment: ExperimentArguments
    @OptionGroup var machine: MachineOptions
    @OptionGroup var cluster: ExecutorOptions
    @OptionGroup var remote: RemoteOptions

    @Option(name: .long, help: "Run these nodes (globs) even if cached, as build --force would.")
    var force: [String] = []

    @Flag(name: .long, help: "Hide cached nodes.")
    var changedOnly = false

    @Flag(name: .long, help: "Print the plan as one JSON object (docs/json.md).")
    var json = false

    @Flag(name: .long, help: "Draw the node graph (with each node's status) in Graphviz dot.")
    var dot = false

    @Flag(name: .long, help: "Draw the node graph in Mermaid (flowchart).")
    var mermaid = false

    @Flag(name: .long, help: "With --dot or --mermaid: draw the step graph (node counts per step) instead of every node.")
    var steps = false

    func validate() throws {
        if [json, dot, mermaid].filter({ $0 }).count > 1 { throw ValidationError("choose one of --json, --dot and --mermaid") }
        if steps && !(dot || mermaid) { throw ValidationError("--steps draws the step graph: add --dot or --mermaid") }
    }

    func run() async throws {
        do {
            let ws = try Workspace.open(file: experiment.file, storePath: store.store)
            var options = BuildOptions(force: force, builtinVersion: BuiltinSteps.version)
            try machine.apply(to: &options)
            // On Slurm no node is blocked for not fitting this machine.
            let slurm = try cluster.slurmSettings(ws)
            var planner = Planner(graph: ws.graph, store: ws.store, options: options,
                                  onCluster: slurm != nil, history: ws.durationHistory())
            // Nodes missing here are looked up on the remote (two small requests each); what it
            // has is "cached on the remote", and the nodes below get keys from its outputs.
            if let (cache, mode) = try remote.open(ws, strict: false), mode.reads {
                let store = ws.store
                planner.remoteLookup = { key in cache.lookup(key.key, store: store).map { ($0.record.output, $0.bytesToFetch) } }
            }
            let selection = try ws.selection(experiment.targets)
            var plan = try planner.plan(selection: selection)
            if let slurm { await ClusterPlan.estimateWallTime(&plan, workspace: ws, selection: selection, settings: slurm) }
            if json {
                print(plan.json.canonical)
            } else if dot || mermaid {
                let drawing = steps ? GraphDrawing(stepsOf: ws.graph, plan: plan) : GraphDrawing(graph: ws.graph, plan: plan)
                print(drawing.render(dot ? .dot : .mermaid))
            } else {
                print(PlanReport.render(plan, showCached: !changedOnly))
            }
            XGraph.finish()
        } catch {
            XGraph.fail(error)
        }
    }
}
