import Foundation
import XGraphCore

/// Text for `xgraph plan`: one line per node with its decision and reason, then totals.
public enum PlanReport {
    public static func render(_ plan: Plan, showCached: Bool = true) -> String {
        var lines: [String] = []
        let width = min(plan.entries.map(\.node.count).max() ?? 0, 72)
        for e in plan.entries {
            let name = e.node.padding(toLength: max(width, e.node.count), withPad: " ", startingAt: 0)
            switch e.status {
            case .cached:
                if showCached { lines.append("  cached     \(name)") }
            case .willRun(let r) where r.isOnRemote:
                lines.append("  remote     \(name)  (\(r))")
            case .willRun(let r):
                let est = plan.estimates[e.node].map { " [~\(formatDuration($0))]" } ?? ""
                lines.append("  will run   \(name)  (\(r))\(est)")
            case .blocked(let why):
                lines.append("  blocked    \(name)  (\(why))")
            }
        }
        let cached = plan.entries.count - plan.toRun - plan.blocked
        // Nodes the remote has are fetched, not run (`plan` with a remote; RunReason.cachedOnRemote).
        var remote = 0, remoteBytes: Int64 = 0
        for e in plan.entries { if case .willRun(.cachedOnRemote(let b)) = e.status { remote += 1; remoteBytes += b } }
        let onRemote = remote == 0 ? "" : "\(remote) cached on the remote (\(ByteSize.text(remoteBytes)) to fetch), "
        var total = "\(plan.entries.count) nodes: \(cached) cached, \(onRemote)\(plan.toRun - remote) will run, \(plan.blocked) blocked"
        let running = plan.toRun - remote
        if running > 0 && plan.unestimated == running {
            total += "; no history yet, so no estimate (a step's `estimate:` gives one)"
        } else if running > 0 {
            total += String(format: "; estimated %.1f GPU-hours, wall time ~%@", plan.gpuHours, formatDuration(plan.wallSeconds))
            if let basis = plan.wallBasis { total += " (\(basis))" }
            if plan.unestimated > 0 { total += " for the \(running - plan.unestimated) with history; \(plan.unestimated) have none yet" }
        }
        lines.append(total)
        for hint in plan.hints { lines.append("hint: " + hint) }
        return lines.joined(separator: "\n")
    }

    public static func formatDuration(_ s: Double) -> String {
        if s >= 86400 { return String(format: "%.1fd", s / 86400) }
        if s >= 3600 { return String(format: "%.1fh", s / 3600) }
        if s >= 60 { return String(format: "%.1fm", s / 60) }
        return String(format: "%.0fs", s)
    }
}
