import Foundation
import XCTest
import XGraphBuild
import XGraphCore
import XGraphExecutors
import XGraphStore

/// A back-end added in one file, as docs/architecture.md says one is added: an `Executor` that
/// runs every step through `/bin/sh` with a prefix line, started with Foundation's `Process`
/// instead of the local executor. Everything else (lease, checks, ingest, record) is the node
/// runner's, so a build through it must record the same keys and outputs as the local one.
struct ShellPrefixExecutor: Executor {
    let name = "shell-prefix"
    /// Shell text run before each step's command, in the same shell.
    let prefix: String

    func run(_ job: Job, onStart: @escaping @Sendable (Int32) -> Void) async -> JobResult {
        let start = Date()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", prefix + "\n" + job.command]
        p.environment = ProcessInfo.processInfo.environment.merging(LocalExecutor.environment(for: job)) { $1 }
        p.currentDirectoryURL = URL(fileURLWithPath: job.workingDirectory)
        guard FileManager.default.createFile(atPath: job.logPath, contents: nil) || FileManager.default.fileExists(atPath: job.logPath),
              let log = FileHandle(forWritingAtPath: job.logPath) else {
            return JobResult(status: .exited(126), start: start, end: Date())
        }
        defer { try? log.close() }
        _ = try? log.seekToEnd()
        p.standardOutput = log
        p.standardError = log
        let ended = AsyncStream<Int32>.makeStream()
        p.terminationHandler = { ended.continuation.yield($0.terminationStatus); ended.continuation.finish() }
        do { try p.run() } catch { return JobResult(status: .exited(127), start: start, end: Date()) }
        // Its pid: this child leads no process group of its own, which only matters to a later
        // build's search for orphans after a `kill -9` of this one.
        onStart(p.processIdentifier)
        let status = await withTaskCancellationHandler {
            var code: Int32 = 1
            for await c in ended.stream { code = c }
            return code
        } onCancel: { p.terminate() }
        if Task.isCancelled { return JobResult(status: .cancelled, start: start, end: Date()) }
        let result: JobStatus = p.terminationReason == .uncaughtSignal ? .signaled(status) : .exited(status)
        return JobResult(status: result, start: start, end: Date())
    }
}

final class ShellPrefixBackendTests: XCTestCase {
    /// The quickstart copied from `experiments/` into a temporary folder.
    private func quickstart() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xgraph-prefix-\(UUID().uuidString)").path
        let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("experiments")
        for file in ["quickstart.yaml", "quickstart/fit.awk", "quickstart/eval.awk", "data/samples.txt", "data/heldout.txt"] {
            let to = URL(fileURLWithPath: dir + "/" + file)
            try FileManager.default.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: experiments.appendingPathComponent(file), to: to)
        }
        return dir
    }

    /// `xgraph-train` as SwiftPM built it beside the test bundle (the quickstart's subsets are a
    /// builtin step).
    private var trainProgram: String {
        let bundle = Bundle.main.bundleURL
        for candidate in [bundle.appendingPathComponent("xgraph-train"),
                          bundle.deletingLastPathComponent().appendingPathComponent("xgraph-train")]
        where FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        return bundle.appendingPathComponent("xgraph-train").path
    }

    /// Builds the quickstart into `store` through `executor`; returns each node's key and output.
    private func build(_ dir: String, store: String, executor: any Executor) async throws -> [String: [String]] {
        let ws = try Workspace.open(file: dir + "/quickstart.yaml", storePath: dir + "/" + store)
        let builder = Builder(graph: ws.graph, store: ws.store, executor: executor,
                              renderer: CommandRenderer(builtinCommand: [trainProgram]),
                              options: BuildOptions(jobs: 2, builtinVersion: BuiltinSteps.version), provenance: ws.provenance())
        let summary = try await builder.build(selection: Array(ws.graph.nodes.indices))
        XCTAssertTrue(summary.succeeded, "\(summary.failed)")
        var seen: [String: [String]] = [:]
        for record in try ws.store.allRecords() {
            XCTAssertEqual(record.provenance.executor, executor.name)
            seen[record.node] = [record.key.hex, record.output.hex]
        }
        return seen
    }

    func testTheQuickstartThroughAShellPrefixExecutorEqualsTheLocalBuild() async throws {
        let dir = try quickstart()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let marks = dir + "/prefix-ran"
        let viaPrefix = try await build(dir, store: "via-prefix",
                                        executor: ShellPrefixExecutor(prefix: "echo ran >> '\(marks)'"))
        let local = try await build(dir, store: "local", executor: LocalExecutor())
        XCTAssertEqual(viaPrefix.count, 28, "4 subsets, 12 fits and 12 evals (data sets have no record): \(viaPrefix.keys.sorted())")
        XCTAssertEqual(viaPrefix, local)
        // Every step that ran went through the prefix.
        let lines = try String(contentsOfFile: marks, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, viaPrefix.count)
    }
}
