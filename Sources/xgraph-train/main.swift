import Foundation
import XGraphCore
import XGraphTrainer

// xgraph-train NAME: runs one built-in step under the step contract (XGRAPH_OUT, XGRAPH_PARAMS,
// XGRAPH_IN_*, XGRAPH_RESUME). The builder starts it as the node's command, so a builtin goes
// through the same executor, scheduler and records as a user script. It is its own program so
// that `xgraph` never loads OpenBLAS, whose idle threads spin on start-up.

let arguments = CommandLine.arguments.dropFirst()
guard arguments.count == 1, let name = arguments.first, Builtins.names.contains(name) else {
    Console.err("usage: xgraph-train {\(Builtins.names.joined(separator: ","))} (run by xgraph build)\n")
    exit(64)
}
do {
    let env = ProcessInfo.processInfo.environment
    guard let out = env["XGRAPH_OUT"], let paramsPath = env["XGRAPH_PARAMS"] else {
        throw XGraphError.usage("xgraph-train runs inside a build: XGRAPH_OUT and XGRAPH_PARAMS must be set")
    }
    let params = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: paramsPath)))
    var inputs: [String: String] = [:]
    // Input names are recovered from XGRAPH_IN_<NAME>, lower-cased: builtin inputs are single
    // words (dataset, subset, checkpoint).
    for (k, v) in env where k.hasPrefix("XGRAPH_IN_") {
        inputs[String(k.dropFirst("XGRAPH_IN_".count)).lowercased()] = v
    }
    let context = BuiltinContext(params: params, inputs: inputs, outputDirectory: out,
                                 resumeDirectory: env["XGRAPH_RESUME"])
    try Builtins.run(name, context: context) { line in
        Console.out(line + "\n")
    }
} catch let e as XGraphError {
    Console.err("\(e.description)\n")
    exit(1)
} catch {
    Console.err("error: \(error)\n")
    exit(1)
}
