import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the log of a node's latest attempt (kept for failed runs too).")

    @OptionGroup var store: StoreOptions

    /// `[FILE] NODE`: every other command takes the experiment file first, and a new user's
    /// `xgraph logs exp.yaml NODE` was refused as an unexpected argument.
    @Argument(help: "[FILE] NODE: the experiment file (optional), then the node name, e.g. pretrain/data=30M/model=r101.")
    var arguments: [String] = []

    var node: String { arguments.last ?? "" }

    func validate() throws {
        guard arguments.count == 1 || (arguments.count == 2 && ExperimentArguments.isFile(arguments[0])) else {
            throw ValidationError("xgraph logs [FILE] NODE: give one node name, after the experiment file if there is one")
        }
    }

    func run() async throws {
        do {
            if arguments.count == 2 {
                // With the file, a name it does not have gets the same hint as `plan` gives.
                let ws = try Workspace.open(file: arguments[0], storePath: store.store)
                _ = try ws.selection([node])
            }
            let s = try Workspace.openStore(store.store)
            guard let path = s.latestLog(forNode: node) else {
                throw XGraphError.usage("no log for \(node) in \(s.root) (node names are as `xgraph plan` prints them)")
            }
            if store.verbose { Console.err("# \(path)\n") }
            Console.out(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            XGraph.fail(error)
        }
    }
}
