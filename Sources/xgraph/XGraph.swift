import ArgumentParser
import XGraphCore

@main
struct XGraph: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xgraph",
        abstract: "Declarative experiment graphs: cached, incremental, GPU-aware, git-tagged.",
        version: XGraphVersion.string)
}
