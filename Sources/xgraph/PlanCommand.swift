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

    @Option(name: .long, help: "Run these nodes (globs) even if cached, as build --force would.")
    var force: [String] = []

    @Flag(name: .long, help: "Hide cached nodes.")
    var changedOnly = false

    func run() async throws {
        do {
            let ws = try Workspace.open(file: experiment.file, storePath: store.store)
            var options = BuildOptions(force: force, builtinVersion: BuiltinSteps.version)
            try machine.apply(to: &options)
            let builder = Builder(graph: ws.graph, store: ws.store, executor: NullExecutor(),
                                  renderer: CommandRenderer(builtinCommand: []), options: options,
                                  provenance: ws.provenance(), history: ws.durationHistory(),
                                  // On Slurm no node is blocked for not fitting this machine.
                                  slurm: try cluster.slurmSettings(ws))
            let plan = try builder.plan(selection: try ws.selection(experiment.targets))
            print(PlanReport.render(plan, showCached: !changedOnly))
            XGraph.finish()
        } catch {
            XGraph.fail(error)
        }
    }
}
