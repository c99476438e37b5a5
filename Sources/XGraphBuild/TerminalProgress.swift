import Foundation
import XGraphCore

/// The live display on a terminal: finished and failed nodes scroll above a footer that is
/// redrawn in place with the running nodes (their GPUs and elapsed time), done/total,
/// failures and an ETA.
public final class TerminalProgress: BuildObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var running: [String: (start: Date, gpus: [Int])] = [:]
    /// Slurm jobs submitted and not yet seen running, by node.
    private var queued: [String: String] = [:]
    /// Slurm job ids of running nodes.
    private var jobs: [String: String] = [:]
    private var done = 0
    private var failed = 0
    private var total = 0
    private var footerLines = 0
    private let began = Date()
    private var timer: DispatchSourceTimer?

    public init() {
        let t = DispatchSource.makeTimerSource(queue: .global())
        t.schedule(deadline: .now() + 1, repeating: 1)
        t.setEventHandler { [weak self] in self?.redraw() }
        t.resume()
        timer = t
    }

    deinit { timer?.cancel() }

    /// Whether standard output is a terminal (else use `LineProgress`).
    public static var isTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    public func event(_ e: BuildEvent) {
        lock.withLock {
            var line: String?
            switch e {
            case .planned(_, let toRun): total = toRun
            case .started(let node, let gpus, _):
                running[node] = (Date(), gpus)
                if let job = queued.removeValue(forKey: node) { jobs[node] = job }
            case .submitted(let node, let job): queued[node] = job
            case .finished(let node, let s):
                running[node] = nil; queued[node] = nil; jobs[node] = nil; done += 1
                line = "done   \(node) (\(PlanReport.formatDuration(s)))"
            case .cached(let node, let hit):
                done += 1
                line = hit.line(node)
            case .failed(let node, let status, let log, let retry):
                running[node] = nil; queued[node] = nil; jobs[node] = nil
                if !retry { failed += 1; done += 1 }
                line = "FAILED \(node): \(status)\(log.map { " (log: \($0))" } ?? "")\(retry ? ", retrying" : "")"
            case .blocked(let node, _): done += 1; _ = node
            case .waiting(let node, let reason): line = "wait   \(node): \(reason)"
            }
            clearFooter()
            if let line { print(line) }
            drawFooter()
        }
    }

    /// Erases the footer before the build's closing lines are printed.
    public func finish() {
        lock.withLock { clearFooter(); timer?.cancel(); fflush(nil) }
    }

    private func redraw() {
        lock.withLock { clearFooter(); drawFooter() }
    }

    private func clearFooter() {
        if footerLines > 0 { print("\u{1B}[\(footerLines)A\u{1B}[J", terminator: "") }
        footerLines = 0
    }

    private func drawFooter() {
        let now = Date()
        var lines: [String] = []
        for (node, r) in running.sorted(by: { $0.value.start < $1.value.start }).prefix(8) {
            let g = r.gpus.isEmpty ? "" : " [gpu \(r.gpus.map(String.init).joined(separator: ","))]"
            let j = jobs[node].map { " (Slurm job \($0))" } ?? ""
            lines.append("  running \(node)\(g)\(j) \(PlanReport.formatDuration(now.timeIntervalSince(r.start)))")
        }
        if running.count > 8 { lines.append("  ... and \(running.count - 8) more") }
        var status = "[\(done)/\(total)] \(running.count) running"
        if !queued.isEmpty { status += ", \(queued.count) queued (Slurm jobs \(queued.values.sorted().prefix(3).joined(separator: ", "))\(queued.count > 3 ? ", …" : ""))" }
        if failed > 0 { status += ", \(failed) failed" }
        let elapsed = now.timeIntervalSince(began)
        if done > 0 && done < total {
            status += ", ETA ~" + PlanReport.formatDuration(elapsed / Double(done) * Double(total - done))
        }
        lines.append(status)
        print(lines.joined(separator: "\n"))
        footerLines = lines.count
        fflush(nil)
    }
}
