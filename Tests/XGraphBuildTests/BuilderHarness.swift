import Foundation
import XCTest
import XGraphBuild
import XGraphCore
import XGraphExecutors
import XGraphGraph
import XGraphSpec
import XGraphStore

/// A temporary project: an experiment file and a store, built with fake executors.
struct BuilderHarness {
    let dir: String

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("xgraph-build-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
    }

    func graph(_ file: String = "exp.yaml") throws -> Graph {
        try Expander.expand(try SpecLoader.load(path: dir + "/" + file))
    }

    func builder(_ executor: any Executor, store: String = "cache", options: BuildOptions = BuildOptions(jobs: 4),
                 file: String = "exp.yaml") throws -> Builder {
        Builder(graph: try graph(file), store: try Store(root: dir + "/" + store), executor: executor,
                renderer: CommandRenderer(builtinCommand: ["/bin/false"]), options: options,
                provenance: BuildProvenance(gitCommit: nil, gitBranch: nil, gitDirty: nil, gitDiffDigest: nil))
    }

    func build(_ executor: any Executor, targets: [String] = [], options: BuildOptions = BuildOptions(jobs: 4),
               store: String = "cache") async throws -> BuildSummary {
        let b = try builder(executor, store: store, options: options)
        let selection = targets.isEmpty ? Array(b.graph.nodes.indices) : try b.graph.select(targets)
        return try await b.build(selection: selection)
    }
}

enum Specs {
    /// Three sizes × two capacities of "train", each read by an "eval".
    static func study(lr: String = "0.1", note: String = "a", threshold: String = "0.5") -> String {
        """
        steps:
          train:
            foreach: { data: [1k, 3k, 10k], model: [small, big] }
            params: { lr: \(lr), note: \(note) }
            command: train {{ out }}
          eval:
            foreach: { data: [1k, 3k, 10k], model: [small, big] }
            inputs: { ckpt: train }
            params: { threshold: \(threshold) }
            command: eval {{ inputs.ckpt }} {{ out }}

        """
    }
}
