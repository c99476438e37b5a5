import Foundation
import XGraphCore
import XGraphExecutors
import XGraphGraph

/// The wall time of a plan on a Slurm cluster, from what `sinfo` says is free now: a plan made
/// on a login node would otherwise divide the work by the login node's own CPUs (a JFT-scale
/// grid came out at "~1947.5d", the serial sum).
///
/// The figure is a lower bound under stated assumptions, and the plan prints them: what is free
/// now stays free for this build alone, jobs start without waiting in the queue, and nodes of
/// different partition sets do not compete. It is the longest of: the critical path; for each
/// set of partitions the nodes use, their GPU-seconds over its free GPUs and their CPU-seconds
/// over its free CPUs; and all job-seconds over the cap on queued jobs.
enum ClusterWallTime {
    static func apply(to plan: inout Plan, graph: Graph, selection: [Int], capacity: SlurmCapacity,
                      profile: SlurmProfile, maxQueued: Int) {
        guard plan.toRun > plan.unestimated else { return }
        struct Work { var gpuSeconds = 0.0, cpuSeconds = 0.0 }
        var work: [[String]: Work] = [:]
        var finish: [Int: Double] = [:]
        var critical = 0.0, jobSeconds = 0.0
        for (entry, i) in zip(plan.entries, selection) {
            guard case .willRun = entry.status, let s = plan.estimates[entry.node] else { continue }
            let node = graph.nodes[i]
            let named = node.slurm.overridden(by: profile).partition?.split(separator: ",").map(String.init) ?? []
            let partitions = named.isEmpty ? capacity.defaultPartition.map { [$0] } ?? [] : named.sorted()
            work[partitions, default: Work()].gpuSeconds += s * Double(node.resources.gpus)
            work[partitions, default: Work()].cpuSeconds += s * Double(max(1, node.resources.cpus))
            jobSeconds += s
            let start = graph.dependencies(of: i).compactMap { finish[$0] }.max() ?? 0
            finish[i] = start + s
            critical = max(critical, start + s)
        }
        var wall = max(critical, jobSeconds / Double(max(1, maxQueued)))
        var notes: [String] = []
        for (partitions, w) in work.sorted(by: { $0.key.joined(separator: ",") < $1.key.joined(separator: ",") }) {
            let free = capacity.free(in: partitions)
            let name = partitions.isEmpty ? "(no default partition)" : "partition " + partitions.joined(separator: ",")
            var parts: [String] = []
            if w.gpuSeconds > 0 {
                if free.gpus > 0 {
                    wall = max(wall, w.gpuSeconds / Double(free.gpus))
                    parts.append("\(free.gpus) of \(free.totalGPUs) GPUs")
                } else if free.totalGPUs > 0 {
                    // Nothing free now: the least it can take is all of them, once they are.
                    wall = max(wall, w.gpuSeconds / Double(free.totalGPUs))
                    parts.append("no GPU free now, so all \(free.totalGPUs) assumed")
                } else {
                    parts.append("no GPUs (its GPU work is left out)")
                }
            }
            let cpus = free.cpus > 0 ? free.cpus : free.totalCPUs
            if cpus > 0 { wall = max(wall, w.cpuSeconds / Double(cpus)) }
            parts.append(free.cpus > 0 ? "\(free.cpus) of \(free.totalCPUs) CPUs" : "no CPU free now, so all \(free.totalCPUs) assumed")
            notes.append("\(name): \(parts.joined(separator: ", ")) free")
        }
        plan.wallSeconds = wall
        plan.wallBasis = "on the cluster, if what sinfo shows free now stays free for this build alone and no job waits "
            + "in the queue: " + notes.joined(separator: "; ") + "; critical path \(PlanReport.formatDuration(critical))"
    }
}

/// `plan --executor slurm`'s wall time, for the command line.
public enum ClusterPlan {
    /// Replaces the plan's wall time by the cluster's (ClusterWallTime). Where `sinfo` cannot be
    /// asked, the figure stays this machine's, and the plan says so.
    /// Also proposes `group:` for steps of many short nodes (GroupProposal).
    public static func estimateWallTime(_ plan: inout Plan, workspace: Workspace, selection: [Int], settings: SlurmSettings) async {
        guard plan.toRun > plan.unestimated else { return }
        plan.hints += GroupProposal.hints(plan: plan, graph: workspace.graph, selection: selection)
        do {
            let capacity = try await SlurmCapacity.read(settings.executor.client)
            ClusterWallTime.apply(to: &plan, graph: workspace.graph, selection: selection, capacity: capacity,
                                  profile: settings.profile, maxQueued: settings.maxQueued)
        } catch {
            let why = (error as? XGraphError).map(Planner.message) ?? "\(error)"
            plan.wallBasis = "for this machine's CPUs, not the cluster's (\(why))"
        }
    }
}
