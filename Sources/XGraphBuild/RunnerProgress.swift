import Foundation
import XGraphCore

/// What the node runner of a cluster job writes into the node's log around the step's own
/// output: where it ran, and one closing line that the head and `xgraph status` read back
/// (`RunnerProgress.marker` and the outcome), since the store holds no record of a failure.
public final class RunnerProgress: BuildObserver, @unchecked Sendable {
    public static let marker = "xgraph run-node: "

    public init() {}

    private static let host: String = {
        var buf = [CChar](repeating: 0, count: 256)
        guard gethostname(&buf, buf.count - 1) == 0 else { return "?" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    public func event(_ e: BuildEvent) {
        switch e {
        case .started(let node, let gpus, let attempt):
            let g = gpus.isEmpty ? "" : " with GPUs \(gpus.map(String.init).joined(separator: ","))"
            print("xgraph: running \(node) on \(Self.host)\(g), attempt \(attempt)")
        case .waiting(let node, let reason):
            print("xgraph: waiting for \(node): \(reason)")
        default:
            break
        }
        fflush(nil)
    }

    /// The closing line: `done`, `cached …` or `failed: <why>`.
    public static func outcome(_ s: BuildSummary, node: String) -> String {
        if let f = s.failed.first(where: { $0.node == node }) ?? s.failed.first {
            return marker + "failed: " + (f.node == node ? f.status : "\(f.node): \(f.status)")
        }
        if s.ran.contains(node) { return marker + "done" }
        if s.cancelled { return marker + "failed: stopped by a signal (scancel, requeue or preemption)" }
        if s.builtElsewhere.contains(node) { return marker + "done by another build while this job waited" }
        return marker + "cached: the store already holds this key (inputs came out byte-identical)"
    }

    /// Whether the job's latest run ended in a requeue (Slurm's own line, or the runner's after
    /// SIGUSR1) with no later run started: the job id will be pending again.
    public static func isBeingRequeued(logPath: String) -> Bool {
        let lines = tail(logPath)
        guard let last = lines.lastIndex(where: { $0.contains("DUE TO JOB REQUEUE") || $0.hasPrefix("xgraph: requeueing Slurm job") })
        else { return false }
        return !lines[(last + 1)...].contains { $0.hasPrefix("xgraph: running ") }
    }

    /// Whether Slurm's own line in a job's output says it was cancelled by someone (`scancel`,
    /// `xgraph cancel`), not ended by its time limit, a preemption or a failed node.
    public static func wasCancelled(logPath: String) -> Bool {
        guard let line = tail(logPath).last(where: { $0.contains("***") && $0.contains(" CANCELLED AT ") }) else { return false }
        return !line.contains(" DUE TO ")
    }

    private static func tail(_ logPath: String) -> [String] {
        LogTail.lines(logPath, count: .max).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// From a node log: the runner's closing verdict and the step's last output lines, e.g.
    /// `exit status 3; last output: CUDA out of memory`. Empty when the log has neither.
    public static func failureSummary(logPath: String) -> String {
        let lines = tail(logPath)
        let verdict = lines.last { $0.hasPrefix(marker) }.map { String($0.dropFirst(marker.count)) }
        let output = lines.filter { !$0.hasPrefix("xgraph") }.suffix(2)
        var parts: [String] = []
        if let verdict { parts.append(verdict.hasPrefix("failed: ") ? String(verdict.dropFirst(8)) : verdict) }
        if !output.isEmpty { parts.append("last output: " + output.joined(separator: " | ")) }
        return parts.joined(separator: "; ")
    }
}
