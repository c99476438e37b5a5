import Foundation
import XGraphCore
import XGraphExecutors
import XGraphGraph
import XGraphKeys
import XGraphStore

/// What `build --detach` did.
public struct DetachReport: Sendable {
    public var submitted: [(node: String, job: String)] = []
    /// Nodes whose job from an earlier build is still queued or running.
    public var followed: [(node: String, job: String)] = []
    public var cached = 0
    public var blocked: [(node: String, why: String)] = []
    /// Jobs cancelled because their node changed since they were submitted (a new one replaces each).
    public var replaced: [(node: String, job: String)] = []
    /// Nodes not submitted because of the cap on queued jobs (or because an input was not).
    public var left: [String] = []
}

extension Builder {
    /// Submits every node that must run, each behind its inputs' jobs (`--dependency=afterok`),
    /// and returns without waiting. Nodes whose inputs are still to be built are submitted
    /// without a key; their description names the jobs of those inputs, and their runner
    /// computes the key from the outputs those jobs record (and ends at once if that key is
    /// already in the store: early cutoff holds here too).
    public func detach(selection: [Int]) async throws -> DetachReport {
        guard let slurm else { throw XGraphError.usage("--detach needs --executor slurm") }
        let rebuilder = try makeRebuilder(selection: selection, restore: true)
        let plan = try planned(selection: selection, rebuilder: rebuilder, estimated: false)
        let registry = SlurmRegistry(store: store, file: slurm.specFile, queue: slurm.executor.queue)
        var report = DetachReport()
        var jobOf: [Int: String] = [:]
        // The description each job runs: a job queued behind an input whose key is not known
        // yet finds that input's output through the key its job notes under this digest.
        var descriptionOf: [Int: Digest] = [:]
        var entryOf: [Int: PlanEntry] = [:]
        for (i, entry) in zip(selection, plan.entries) { entryOf[i] = entry }
        func upstream(_ j: Int) -> DescribedInput.Source? {
            // By key where one is known: gc keeps what a queued job's description names by key.
            if let e = entryOf[j] {
                if let k = e.key { return .recordedKey(k.key) }
                if let out = e.output { return .output(out) }
            }
            return descriptionOf[j].map { .job(description: $0) }
        }
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
                if let job = jobOf[j], upstream(j) != nil { after.append(job) } else { ready = false }
            }
            guard ready else { report.left.append(node.id); continue }
            let key = entry.key?.key
            let decided: Decision = try await store.withSubmissionLock(file: slurm.specFile, node: node.id) {
                // Read under the lock, against a fresh enough queue: another build may have
                // submitted this node a moment ago.
                if let old = try await registry.current(node: node.id, key: key?.hex) { return .followed(old) }
                if let key, store.outputDigest(forKey: key) != nil, !rebuilder.forced.contains(i) { return .recorded }
                guard inQueue < slurm.maxQueued else { return .left }
                if let old = await registry.superseded(node: node.id, key: key?.hex), (try? await slurm.executor.cancel([old.job])) != nil {
                    report.replaced.append((node.id, old.job))
                }
                let job = try await submitNode(i, key: entry.key, attempt: 1, afterOK: after, forced: rebuilder.forced.contains(i),
                                               slurm: slurm, upstream: upstream)
                return .submitted(job)
            }
            switch decided {
            case .left: report.left.append(node.id)
            case .recorded: mustRun.remove(i); report.cached += 1
            case .followed(let job):
                jobOf[i] = job.job; descriptionOf[i] = job.description.flatMap(Digest.init(hex:))
                inQueue += 1; report.followed.append((node.id, job.job))
            case .submitted(let job):
                jobOf[i] = job.job; descriptionOf[i] = job.description.flatMap(Digest.init(hex:))
                inQueue += 1; report.submitted.append((node.id, job.job))
            }
        }
        return report
    }

    /// What `detach` did with one node, under its submission lock.
    private enum Decision { case submitted(SubmittedJob), followed(SubmittedJob), recorded, left }

    /// Submits one attempt of node `i` as a Slurm job running its description (written here,
    /// `writeJobDescription`; `upstream` as there) and records the submission in the store's
    /// registry. The caller holds the node's submission lock.
    ///
    /// A "submitting" marker is written before `sbatch` runs and removed once the job is in the
    /// registry: a head killed in between leaves it, and the next build adopts the job it names
    /// (by job name and log path) instead of submitting the node again.
    func submitNode(_ i: Int, key: NodeKey?, attempt: Int, afterOK: [String], forced: Bool,
                    slurm: SlurmSettings, upstream: (Int) -> DescribedInput.Source? = { _ in nil }) async throws -> SubmittedJob {
        let node = graph.nodes[i]
        var (job, run) = try prepareSubmission(i, key: key, attempt: attempt, forced: forced, slurm: slurm, upstream: upstream)
        var request = Self.jobShape(node, slurm: slurm, afterOK: afterOK)
        request.command = slurm.runnerCommand([run], store: store)
        request.logPath = job.log
        do {
            job.job = try await slurm.executor.submit(request)
        } catch is CancellationError {
            // sbatch may have made the job before it was stopped: the marker lets the next
            // build find it.
            throw CancellationError()
        } catch {
            store.clearSubmitting(file: slurm.specFile, node: node.id)
            throw error
        }
        job.submitted = Date()
        try store.recordSubmittedJob(job)
        store.clearSubmitting(file: slurm.specFile, node: node.id)
        return job
    }

    /// Everything one node's submission needs before `sbatch` runs, whether it goes out as a
    /// job of its own or as a task of an array: the node description its job will run (written
    /// into the store), a new log for the attempt, what the runner is given for it (its part of
    /// `SlurmSettings.runnerCommand`) and the "submitting" marker, written
    /// here, naming how the queue will list the job (`task`: the array's name and the task's
    /// output file; nil: `xg:NODE` and the log).
    func prepareSubmission(_ i: Int, key: NodeKey?, attempt: Int, forced: Bool, slurm: SlurmSettings,
                           upstream: (Int) -> DescribedInput.Source? = { _ in nil },
                           task: (name: String, output: String)? = nil) throws -> (job: SubmittedJob, run: NodeRunnerCommand.Run) {
        let node = graph.nodes[i]
        let description = try writeJobDescription(i, key: key, forced: forced, upstream: upstream)
        let log = try store.logPath(forNode: node.id, attempt: attempt)
        let job = SubmittedJob(node: node.id, file: slurm.specFile, executor: "slurm", job: "", key: key?.key.hex, log: log,
                               attempt: attempt, description: description.hex, jobName: task?.name, output: task?.output)
        try store.recordSubmitting(job)
        return (job, NodeRunnerCommand.Run(description: store.jobDescriptionPath(description), attempt: attempt, log: log))
    }

    /// What Slurm is asked for to run `node` (resources, placement, requeue, dependencies),
    /// without its command and log: nodes whose shapes ask for the same go out as one array.
    static func jobShape(_ node: Node, slurm: SlurmSettings, afterOK: [String] = []) -> SlurmJobRequest {
        SlurmJobRequest(node: node.id, command: [], workingDirectory: slurm.workingDirectory, logPath: "",
                        resources: node.resources, profile: node.slurm.overridden(by: slurm.profile),
                        resume: node.resume, afterOK: afterOK)
    }

    /// The nodes of `selection` that will run, for the checks made before anything is submitted.
    public func nodesToRun(selection: [Int]) throws -> [Int] {
        let plan = try planned(selection: selection, rebuilder: try makeRebuilder(selection: selection, restore: false), estimated: false)
        return zip(selection, plan.entries).compactMap { i, e in
            if case .willRun = e.status { return i } else { return nil }
        }
    }
}
