import Foundation
import XGraphCore
import XGraphExecutors
import XGraphGraph
import XGraphStore

/// What `build --detach` did.
public struct DetachReport: Sendable {
    public var submitted: [(node: String, job: String)] = []
    /// Nodes whose job from an earlier build is still queued or running.
    public var followed: [(node: String, job: String)] = []
    public var cached = 0
    public var blocked: [(node: String, why: String)] = []
    /// Nodes not submitted because of the cap on queued jobs (or because an input was not).
    public var left: [String] = []
}

extension Builder {
    /// Submits every node that must run, each behind its inputs' jobs (`--dependency=afterok`),
    /// and returns without waiting. Nodes whose inputs are still to be built are submitted
    /// without a key; their runner computes it once the inputs are recorded (and ends at once if
    /// that key is already in the store: early cutoff holds here too).
    public func detach(selection: [Int]) async throws -> DetachReport {
        guard let slurm else { throw XGraphError.usage("--detach needs --executor slurm") }
        let rebuilder = try makeRebuilder(selection: selection, restore: true)
        let plan = try planned(selection: selection, rebuilder: rebuilder, estimated: false)
        let queue = await slurm.executor.queue.snapshot()
        var report = DetachReport()
        var jobOf: [Int: String] = [:]
        var mustRun = Set<Int>()
        var inQueue = 0
        for (i, entry) in zip(selection, plan.entries) {
            let node = graph.nodes[i]
            switch entry.status {
            case .cached: report.cached += 1; continue
            case .blocked(let why): report.blocked.append((node.id, why)); continue
            case .willRun: mustRun.insert(i)
            }
            var after: [String] = []
            var ready = true
            for j in graph.dependencies(of: i) where mustRun.contains(j) {
                if let job = jobOf[j] { after.append(job) } else { ready = false }
            }
            guard ready else { report.left.append(node.id); continue }
            let key = entry.key?.key
            let decided: (job: String, new: Bool)? = try await store.withSubmissionLock(file: slurm.specFile, node: node.id) {
                if let old = store.submittedJob(file: slurm.specFile, node: node.id), queue[old.job] != nil,
                   old.key == nil || key == nil || old.key == key?.hex {
                    return (old.job, false)
                }
                guard inQueue < slurm.maxQueued else { return nil }
                let job = try await submitNode(node, key: key, attempt: 1, afterOK: after, forced: rebuilder.forced.contains(i), slurm: slurm)
                return (job.job, true)
            }
            guard let decided else { report.left.append(node.id); continue }
            jobOf[i] = decided.job
            inQueue += 1
            if decided.new { report.submitted.append((node.id, decided.job)) } else { report.followed.append((node.id, decided.job)) }
        }
        return report
    }

    /// Submits one attempt of `node` as a Slurm job and records the submission in the store's
    /// registry. The caller holds the node's submission lock.
    func submitNode(_ node: Node, key: Digest?, attempt: Int, afterOK: [String], forced: Bool,
                    slurm: SlurmSettings) async throws -> SubmittedJob {
        let log = try store.logPath(forNode: node.id, attempt: attempt)
        let request = SlurmJobRequest(
            node: node.id,
            command: slurm.runnerCommand(node: node.id, store: store.root, key: key, attempt: attempt, log: log, forced: forced),
            workingDirectory: slurm.workingDirectory, logPath: log, resources: node.resources,
            profile: node.slurm.overridden(by: slurm.profile), resume: node.resume, afterOK: afterOK)
        let id = try await slurm.executor.submit(request)
        let job = SubmittedJob(node: node.id, file: slurm.specFile, executor: "slurm", job: id, key: key?.hex, log: log, attempt: attempt)
        try store.recordSubmittedJob(job)
        return job
    }

    /// The nodes of `selection` that will run, for the checks made before anything is submitted.
    public func nodesToRun(selection: [Int]) throws -> [Int] {
        let plan = try planned(selection: selection, rebuilder: try makeRebuilder(selection: selection, restore: false), estimated: false)
        return zip(selection, plan.entries).compactMap { i, e in
            if case .willRun = e.status { return i } else { return nil }
        }
    }
}
