import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore

struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Print every part of a node's key and what changed since its last build.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "The experiment file (optional), then the node name.")
    var arguments: [String]

    func validate() throws {
        if arguments.isEmpty || arguments.count > 2 { throw ValidationError("usage: xgraph explain [FILE] NODE") }
    }

    func run() async throws {
        do {
            let file = arguments.count == 2 ? arguments[0] : nil
            let ws = try Workspace.open(file: file, storePath: store.store)
            print(try Explainer(workspace: ws, builtinVersion: BuiltinSteps.version).explain(arguments.last!))
        } catch {
            XGraph.fail(error)
        }
    }
}
