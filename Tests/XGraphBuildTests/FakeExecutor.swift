import Foundation
import XGraphCore
import XGraphExecutors

/// Runs no process: it "executes" a job by calling `behaviour`, which writes into the job's
/// output folder, and records what ran, when, and on which GPUs (ninja's FakeCommandRunner).
final class FakeExecutor: Executor, @unchecked Sendable {
    struct Run: Sendable {
        var node: String
        var gpus: [Int]
        var start: Date
        var end: Date
    }

    let name: String
    let delay: Double
    private let lock = NSLock()
    private var _runs: [Run] = []
    private let behaviour: @Sendable (Job, Int) throws -> Int32

    /// - Parameter behaviour: gets the job and its 1-based attempt for this node; returns the exit status.
    init(name: String = "fake", delay: Double = 0, behaviour: @escaping @Sendable (Job, Int) throws -> Int32 = FakeExecutor.writeParams) {
        self.name = name; self.delay = delay; self.behaviour = behaviour
    }

    var runs: [Run] { lock.withLock { _runs } }
    var ran: [String] { runs.map(\.node).sorted() }

    func run(_ job: Job, onStart: @escaping @Sendable (Int32) -> Void) async -> JobResult {
        let start = Date()
        let attempt = lock.withLock { _runs.filter { $0.node == job.node }.count + 1 }
        if delay > 0 {
            do { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) } catch {
                return JobResult(status: .cancelled, start: start, end: Date())
            }
        }
        let status = (try? behaviour(job, attempt)) ?? 1
        let end = Date()
        lock.withLock { _runs.append(Run(node: job.node, gpus: job.gpuIDs, start: start, end: end)) }
        return JobResult(status: .exited(status), start: start, end: end)
    }

    /// The default step: copies its params file to out/params.json, so the output changes exactly
    /// when the params do.
    static let writeParams: @Sendable (Job, Int) throws -> Int32 = { job, _ in
        let out = job.environment["XGRAPH_OUT"]!
        try FileManager.default.copyItem(atPath: job.environment["XGRAPH_PARAMS"]!, toPath: out + "/params.json")
        try Data("{\"loss\": 1.5}".utf8).write(to: URL(fileURLWithPath: out + "/metrics.json"))
        return 0
    }
}
