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
    /// Expected seconds of the nodes not yet done (cached, finished or failed nodes leave it).
    private var remaining: [String: Double] = [:]
    /// Slurm job ids of running nodes.
    private var jobs: [String: String] = [:]
    private var done = 0
    private var failed = 0
    private var total = 0
    private var footerLines = 0
    private let began = Date()
    private var timer: DispatchSourceTimer?

    /// - Parameter live: redraw every second (false in tests, which read `footerText`).
    public init(live: Bool = true) {
        guard live else { return }
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
            case .estimated(let e): remaining = e
            case .finished(let node, let s):
                running[node] = nil; queued[node] = nil; jobs[node] = nil; remaining[node] = nil; done += 1
                line = "done   \(node) (\(PlanReport.formatDuration(s)))"
            case .cached(let node, let hit):
                done += 1; remaining[node] = nil
                line = hit.line(node)
            case .failed(let node, let status, let log, let retry):
                running[node] = nil; queued[node] = nil; jobs[node] = nil
                if !retry { failed += 1; done += 1; remaining[node] = nil }
                line = "FAILED \(node): \(status)\(log.map { " (log: \($0))" } ?? "")\(retry ? ", retrying" : "")"
            case .blocked(let node, _): done += 1; remaining[node] = nil
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

    /// The footer's lines at `now` (the caller holds the lock).
    func footer(at now: Date) -> [String] {
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
        if done < total, let eta = eta(now) { status += ", ETA ~" + PlanReport.formatDuration(eta) }
        lines.append(status)
        return lines
    }

    private func drawFooter() {
        let lines = footer(at: Date())
        print(lines.joined(separator: "\n"))
        footerLines = lines.count
        fflush(nil)
    }

    /// The expected work left, spread over the jobs running now: a running node counts what its
    /// estimate has left, the others their whole estimate. Nil before estimates exist.
    private func eta(_ now: Date) -> Double? {
        guard !remaining.isEmpty else { return nil }
        var work = 0.0, longest = 0.0
        for (node, seconds) in remaining {
            let left = running[node].map { max(0, seconds - now.timeIntervalSince($0.start)) } ?? seconds
            work += left
            longest = max(longest, left)
        }
        return max(longest, work / Double(max(1, running.count)))
    }

    /// The footer as it would be drawn at `now`.
    public func footerText(at now: Date) -> String {
        lock.withLock { footer(at: now).joined(separator: "\n") }
    }
}
