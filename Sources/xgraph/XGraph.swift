import ArgumentParser
import Foundation
import XGraphCore

@main
struct XGraph: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xgraph",
        abstract: "Declarative experiment graphs: cached, incremental, GPU-aware, git-tagged.",
        // One line: the help wraps it to the terminal, and a newline in the text broke the
        // sentence mid-line ("runs" / "only").
        discussion: "Write an experiment file (datasets, subsets, models, tasks, steps), then `xgraph build` runs "
            + "only the nodes whose inputs changed and records every result with its git commit.",
        version: XGraphVersion.string,
        subcommands: [BuildCommand.self, PlanCommand.self, ExplainCommand.self, ResultsCommand.self,
                      DiffCommand.self, FitCommand.self, SuggestCommand.self, ReportCommand.self, LogsCommand.self, VerifyCommand.self,
                      StatusCommand.self, CancelCommand.self, PathCommand.self, ExportCommand.self, GCCommand.self, DUCommand.self,
                      InitStoreCommand.self, PushCommand.self, PullCommand.self, RemoteCommand.self, RunNodeCommand.self])

    /// Prints an xgraph error as one clean line and exits non-zero; anything else is a bug and
    /// keeps its full description.
    static func fail(_ error: Error) -> Never {
        report(error)
        Foundation.exit(e_exitCode(error))
    }

    /// Writes `error` to standard error as `fail` does, and goes on.
    static func report(_ error: Error) {
        if let e = error as? XGraphError {
            Console.err("\(e.description)\n")
        } else {
            Console.err("error: \(error)\n")
        }
    }

    /// Ends the process with `status` once the output is flushed, skipping the teardown of the
    /// graph and store: freeing a 10,000-node graph was a tenth of a null build's time.
    static func finish(_ status: Int32 = 0) -> Never {
        fflush(nil)
        Foundation.exit(status)
    }

    private static func e_exitCode(_ error: Error) -> Int32 {
        if let e = error as? XGraphError, case .usage = e { return 64 }
        return 1
    }
}

/// Options every command that touches the store shares.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The store folder (default: $XGRAPH_STORE, else cache/ at the project root).")
    var store: String?

    @Flag(name: .shortAndLong, help: "Say more.")
    var verbose = false
}

/// The experiment file and targets: `[FILE] [TARGET...]`. The first argument is the file when it
/// names an existing file or ends in .yaml/.yml.
struct ExperimentArguments: ParsableArguments {
    @Argument(help: "The experiment file (default: xgraph.yaml), then node names or globs ('finetune/*/model=r101/*').")
    var arguments: [String] = []

    var file: String? {
        guard let first = arguments.first else { return nil }
        return Self.isFile(first) ? first : nil
    }

    var targets: [String] {
        guard let first = arguments.first else { return [] }
        return Self.isFile(first) ? Array(arguments.dropFirst()) : arguments
    }

    static func isFile(_ s: String) -> Bool {
        s.hasSuffix(".yaml") || s.hasSuffix(".yml") || (!s.contains("*") && FileManager.default.fileExists(atPath: s) && !s.contains("="))
    }
}
