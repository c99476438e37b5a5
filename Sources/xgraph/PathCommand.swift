import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore

struct PathCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "path",
        abstract: "Print the output folder of each node built for the current spec (exit 1, with the reason, for one that is not).")

    @OptionGroup var store: StoreOptions
    @OptionGroup var experiment: ExperimentArguments

    func run() async throws {
        do {
            guard !experiment.targets.isEmpty else { throw XGraphError.usage("name a node: xgraph path FILE NODE (globs work)") }
            let ws = try Workspace.open(file: experiment.file, storePath: store.store)
            let planner = Planner.forQueries(graph: ws.graph, store: ws.store)
            let found = try planner.builtOutputs(matching: experiment.targets)
            for o in found.built { print(found.built.count == 1 && found.missing.isEmpty ? o.folder : "\(o.node)\t\(o.folder)") }
            for m in found.missing { Console.err("\(m.node): \(m.why)\n") }
            XGraph.finish(found.missing.isEmpty ? 0 : 1)
        } catch {
            XGraph.fail(error)
        }
    }
}

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Copy the current outputs of nodes into a folder laid out by node name, with a manifest.json that needs no xgraph.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The experiment file, then node names or globs (default: every node), then the folder to create.")
    var arguments: [String] = []

    @Flag(name: .long, help: "Hard-link the files instead of copying them (same file system only; never edit them: they are the store's).")
    var link = false

    func run() async throws {
        do {
            guard arguments.count >= 2, let dir = arguments.last else {
                throw XGraphError.usage("usage: xgraph export FILE [TARGET…] DIR")
            }
            let ws = try Workspace.open(file: arguments.first, storePath: store.store)
            let targets = Array(arguments.dropFirst().dropLast())
            // Held shared while it decides and copies: a gc waits instead of deleting under it.
            let gcLock = ws.store.gcShared { Console.err("xgraph: waiting for a gc of \(ws.store.root) to finish\n") }
            defer { gcLock.release() }
            let planner = Planner.forQueries(graph: ws.graph, store: ws.store)
            let found = try planner.builtOutputs(matching: targets)
            for m in found.missing { Console.err("not exported: \(m.node): \(m.why)\n") }
            let n = try OutputExport.export(found.built, to: dir, link: link)
            print("exported \(n) node\(n == 1 ? "" : "s") to \(dir) (manifest.json lists them)")
            XGraph.finish(found.missing.isEmpty ? 0 : 1)
        } catch {
            XGraph.fail(error)
        }
    }
}
