import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Print the log of a node's latest attempt (kept for failed runs too).")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The node name, e.g. pretrain/data=30M/model=r101.")
    var node: String

    func run() async throws {
        do {
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
