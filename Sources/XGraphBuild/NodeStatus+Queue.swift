import Foundation
import XGraphCore
import XGraphExecutors
import XGraphStore

/// Where each node of an experiment stands, the store and the queue reconciled: what
/// `xgraph status` prints.
public struct QueueStatus: Sendable {
    public enum State: String, Sendable, CaseIterable {
        case cached, queued, running, failed, lost, blocked
        case notBuilt = "not built"
    }

    public struct Line: Sendable {
        public var node: String
        public var state: State
        public var job: String?
        public var detail: String
    }

    public var lines: [Line] = []
    /// Set when squeue could not be asked; queued and running nodes are then unknown.
    public var queueError: String?

    public func count(_ s: State) -> Int { lines.filter { $0.state == s }.count }
}

extension Planner {
    /// - Parameter queue: squeue's jobs of this user (nil when squeue is unavailable).
    /// - Parameter registry: the store's job registry for `file`.
    public func queueStatus(selection: [Int], registry: SlurmRegistry, queue: [String: SlurmListedJob]?) throws -> QueueStatus {
        let plan = try planned(selection: selection, rebuilder: try makeRebuilder(selection: selection, restore: false), estimated: false)
        var status = QueueStatus()
        var troubled = Set<Int>()
        for (i, entry) in zip(selection, plan.entries) {
            let node = graph.nodes[i]
            switch entry.status {
            case .cached:
                status.lines.append(.init(node: node.id, state: .cached, job: nil, detail: ""))
                continue
            case .blocked(let why):
                troubled.insert(i)
                status.lines.append(.init(node: node.id, state: .blocked, job: nil, detail: why))
                continue
            case .willRun: break
            }
            let inputTrouble = graph.dependencies(of: i).first { troubled.contains($0) }.map { graph.nodes[$0].id }
            // The job is this node's only if squeue lists its id as this node's submission: an
            // id reused after a controller's fresh start is another job, and this one has ended.
            let seen = registry.view(node: node.id, listed: queue).flatMap { v in
                v.job.key == nil || entry.key == nil || v.job.key == entry.key?.key.hex ? v : nil
            }
            let job = seen?.job
            // A local build (or a job's runner) holding the node's lease: running, whoever started it.
            if let key = entry.key, let holder = store.leaseHolder(key: key.key), seen?.state == nil {
                status.lines.append(.init(node: node.id, state: .running, job: nil, detail: "process \(holder.pid) on \(holder.host)"))
                continue
            }
            guard let job else {
                if let bad = inputTrouble { troubled.insert(i); status.lines.append(.init(node: node.id, state: .blocked, job: nil, detail: "input \(bad) did not build")) }
                else {
                    // A record whose output was damaged and removed says so: the user sees why a
                    // node that was built is not any more.
                    var detail = ""
                    if case .willRun(let reason) = entry.status, reason == .outputDamaged || reason == .outputMissing { detail = reason.description }
                    // A local build that failed this very key says so in the node's newest log.
                    if let key = entry.key?.key, let log = store.latestLog(forNode: node.id),
                       let failure = LogTail.failure(ofKey: key, log: log) {
                        let output = failure.output.isEmpty ? "" : "; last output: " + failure.output.joined(separator: " | ")
                        troubled.insert(i)
                        status.lines.append(.init(node: node.id, state: .failed, job: nil, detail: failure.status + output + " (log: \(log))"))
                        continue
                    }
                    status.lines.append(.init(node: node.id, state: .notBuilt, job: nil, detail: detail))
                }
                continue
            }
            if let state = seen?.state {
                let running: Bool
                if case .running = state { running = true } else { running = false }
                status.lines.append(.init(node: node.id, state: running ? .running : .queued, job: job.job, detail: state.text))
                continue
            }
            guard queue != nil else {
                status.lines.append(.init(node: node.id, state: .queued, job: job.job, detail: "submitted; the queue could not be read"))
                continue
            }
            troubled.insert(i)
            if FileManager.default.fileExists(atPath: job.log) {
                status.lines.append(.init(node: node.id, state: .failed, job: job.job, detail: RunnerProgress.failureSummary(logPath: job.log)))
            } else if let bad = inputTrouble {
                status.lines.append(.init(node: node.id, state: .blocked, job: job.job, detail: "input \(bad) did not build"))
            } else {
                status.lines.append(.init(node: node.id, state: .lost, job: job.job,
                                          detail: "left the queue without starting (cancelled, or its node was lost)"))
            }
        }
        return status
    }
}
