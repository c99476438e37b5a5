import Foundation
import XGraphCore
import XGraphGraph

/// `plan --executor slurm` proposes `group:` for a step whose nodes are many and short: each
/// Slurm job pays the scheduler's start latency (seconds to tens of seconds on a busy cluster)
/// and counts against the per-user job cap, which a node of a few seconds does not repay.
///
/// A step qualifies when at least `minimumNodes` of its nodes will run, it has no `group:`,
/// and the median of their estimates (history, else `estimate:`) is at most `shortSeconds`.
/// The proposal packs about `jobSeconds` of work into one job, at most `mostNodes` nodes, and
/// gives it twice the longest estimate of that many nodes as `max_time`, in whole minutes.
enum GroupProposal {
    static let minimumNodes = 8
    static let shortSeconds = 60.0
    static let jobSeconds = 300.0
    static let mostNodes = 64

    static func hints(plan: Plan, graph: Graph, selection: [Int]) -> [String] {
        var order: [String] = []
        var seconds: [String: [Double]] = [:]
        for (entry, i) in zip(plan.entries, selection) {
            guard case .willRun(let reason) = entry.status, !reason.isOnRemote else { continue }
            let node = graph.nodes[i]
            guard node.jobGroup == nil, let s = plan.estimates[node.id] else { continue }
            if seconds[node.step] == nil { order.append(node.step) }
            seconds[node.step, default: []].append(s)
        }
        var hints: [String] = []
        for step in order {
            guard let all = seconds[step], all.count >= minimumNodes else { continue }
            let sorted = all.sorted()
            let median = sorted[sorted.count / 2]
            guard median <= shortSeconds else { continue }
            let perJob = min(mostNodes, all.count, max(2, Int(jobSeconds / max(median, 1))))
            let longest = sorted.last ?? median
            let minutes = max(5, Int((2 * Double(perJob) * longest / 60).rounded(.up)))
            let jobs = (all.count + perJob - 1) / perJob
            hints.append("step \(step): \(all.count) nodes of about \(PlanReport.formatDuration(median)) each would be \(all.count) "
                + "Slurm jobs; `group: { max_nodes: \(perJob), max_time: \(minutes)m }` on the step runs them as \(jobs) "
                + "(docs/slurm.md, \"Grouped jobs\")")
        }
        return hints
    }
}
