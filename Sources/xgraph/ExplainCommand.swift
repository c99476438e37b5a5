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

    @Flag(name: .long, help: "Print the explanation as one JSON object (docs/json.md).")
    var json = false

    func validate() throws {
        if arguments.isEmpty || arguments.count > 2 { throw ValidationError("usage: xgraph explain [FILE] NODE") }
    }

    func run() async throws {
        do {
            let file = arguments.count == 2 ? arguments[0] : nil
            let ws = try Workspace.open(file: file, storePath: store.store)
            // validate() ensures one or two arguments.
            let name = arguments.last ?? ""
            let explanation = try Explainer(workspace: ws, builtinVersion: BuiltinSteps.version).explanation(name)
            print(json ? explanation.json.canonical : explanation.text)
        } catch {
            XGraph.fail(error)
        }
    }
}
