import ArgumentParser
import Foundation
import XGraphCore
import XGraphTrainer

/// How builtin steps run: the builder starts `xgraph builtin NAME` as the node's command, so a
/// builtin goes through the same executor, scheduler and step contract as a user script.
struct BuiltinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "builtin",
        abstract: "Run a built-in step under the step contract (XGRAPH_OUT, XGRAPH_PARAMS, XGRAPH_IN_*).",
        shouldDisplay: false)

    @Argument(help: "subset, pretrain, transfer or eval.")
    var name: String

    func run() async throws {
        do {
            let env = ProcessInfo.processInfo.environment
            guard let out = env["XGRAPH_OUT"], let paramsPath = env["XGRAPH_PARAMS"] else {
                throw XGraphError.usage("xgraph builtin runs inside a build: XGRAPH_OUT and XGRAPH_PARAMS must be set")
            }
            let params = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: paramsPath)))
            var inputs: [String: String] = [:]
            // Input names are recovered from XGRAPH_IN_<NAME>, lower-cased: builtin inputs are
            // single words (dataset, subset, checkpoint).
            for (k, v) in env where k.hasPrefix("XGRAPH_IN_") {
                inputs[String(k.dropFirst("XGRAPH_IN_".count)).lowercased()] = v
            }
            let context = BuiltinContext(params: params, inputs: inputs, outputDirectory: out,
                                         resumeDirectory: env["XGRAPH_RESUME"])
            try Builtins.run(name, context: context) { line in print(line); fflush(nil) }
        } catch {
            XGraph.fail(error)
        }
    }
}
