import Foundation
import XGraphCore

/// Plain timestamped lines: what a log file or CI wants.
public final class LineProgress: BuildObserver, @unchecked Sendable {
    private let lock = NSLock()
    private let verbose: Bool

    public init(verbose: Bool) { self.verbose = verbose }

    public func event(_ e: BuildEvent) {
        lock.withLock {
            var t: String { TimeText.localClock() }
            switch e {
            case .planned:
                break
            case .started(let node, let gpus, let attempt):
                let g = gpus.isEmpty ? "" : " gpus=\(gpus.map(String.init).joined(separator: ","))"
                let a = attempt > 1 ? " attempt \(attempt)" : ""
                print("[\(t)] start  \(node)\(g)\(a)")
            case .finished(let node, let s):
                print("[\(t)] done   \(node) (\(PlanReport.formatDuration(s)))")
            case .cached(let node, let hit):
                if let line = hit.line(node) { print("[\(t)] \(line)") }
                else if verbose { print("[\(t)] cached \(node)") }
            case .failed(let node, let status, let log, let retry):
                print("[\(t)] FAILED \(node): \(status)\(log.map { " (log: \($0))" } ?? "")\(retry ? ", retrying" : "")")
            case .blocked(let node, let by):
                if verbose { print("[\(t)] blocked \(node) (input \(by) failed)") }
            case .waiting(let node, let reason):
                print("[\(t)] wait   \(node): \(reason)")
            case .submitted(let node, let job):
                print("[\(t)] queued \(node) (Slurm job \(job))")
            case .estimated:
                break
            }
            fflush(nil)
        }
    }
}

/// One JSON object per line, for other tools (`--json`).
public final class JSONProgress: BuildObserver, @unchecked Sendable {
    private let lock = NSLock()
    public init() {}

    public func event(_ e: BuildEvent) {
        var o: [String: JSONValue] = ["time": .double((Date().timeIntervalSince1970 * 1000).rounded() / 1000)]
        switch e {
        case .planned(let all, let toRun): o["event"] = "planned"; o["nodes"] = .int(all); o["to_check"] = .int(toRun)
        case .started(let n, let g, let a): o["event"] = "started"; o["node"] = .string(n); o["gpus"] = .array(g.map { .int($0) }); o["attempt"] = .int(a)
        case .finished(let n, let s): o["event"] = "finished"; o["node"] = .string(n); o["seconds"] = .double(s)
        case .cached(let n, let hit): o["event"] = .string(hit.rawValue); o["node"] = .string(n)
        case .failed(let n, let st, let log, let r):
            o["event"] = "failed"; o["node"] = .string(n); o["status"] = .string(st); o["retry"] = .bool(r)
            if let log { o["log"] = .string(log) }
        case .blocked(let n, let by): o["event"] = "blocked"; o["node"] = .string(n); o["by"] = .string(by)
        case .waiting(let n, let r): o["event"] = "waiting"; o["node"] = .string(n); o["reason"] = .string(r)
        case .submitted(let n, let j): o["event"] = "submitted"; o["node"] = .string(n); o["job"] = .string(j)
        case .estimated: return
        }
        let line = JSONValue.object(o).canonical
        lock.withLock { print(line); fflush(nil) }
    }
}

