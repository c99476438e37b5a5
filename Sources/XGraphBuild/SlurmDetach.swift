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
        for (i, entry) in zip(selection, plan.entries) {
            if case .willRun = entry.status { mustRun.insert(i) }
        }
        /// Where each input of node `i` has its output (`upstream`), read before any task starts.
        func sources(_ i: Int) -> [Int: DescribedInput.Source] {
            var out: [Int: DescribedInput.Source] = [:]
            for j in graph.dependencies(of: i) { if let s = upstream(j) { out[j] = s } }
            return out
        }
        /// Decides node `i` under its submission lock: follow its queued job, count it recorded,
        /// leave it (the cap), or submit it (through `batcher` where given: a task of an array).
        @Sendable func decide(_ i: Int, entry: PlanEntry, after: [String], sources: [Int: DescribedInput.Source], room: Bool,
                              batcher: SlurmBatcher?) async throws -> (Decision, replaced: String?) {
            let node = graph.nodes[i]
            let key = entry.key?.key
            return try await store.withSubmissionLock(file: slurm.specFile, node: node.id) {
                // Read under the lock, against a fresh enough queue: another build may have
                // submitted this node a moment ago.
                if let old = try await registry.current(node: node.id, key: key?.hex) { return (.followed(old), nil) }
                if let key, store.outputDigest(forKey: key) != nil, !rebuilder.forced.contains(i) { return (.recorded, nil) }
                guard room else { return (.left, nil) }
                var replaced: String?
                if let old = await registry.superseded(node: node.id, key: key?.hex), (try? await slurm.executor.cancel([old.job])) != nil {
                    replaced = old.job
                }
                let forced = rebuilder.forced.contains(i)
                if let batcher {
                    // No head follows a detached build's jobs, so none is grouped: a group's
                    // unreached nodes would need one to submit them again.
                    return (.submitted(try await batcher.submit(SlurmSubmission(index: i, node: node, key: entry.key, attempt: 1,
                                                                                 forced: forced, mayGroup: false, sources: sources))), replaced)
                }
                return (.submitted(try await submitNode(i, key: entry.key, attempt: 1, afterOK: after, forced: forced,
                                                        slurm: slurm, upstream: { sources[$0] })), replaced)
            }
        }
        var inQueue = 0
        func note(_ i: Int, _ decided: (Decision, replaced: String?)) {
            let node = graph.nodes[i]
            if let job = decided.replaced { report.replaced.append((node.id, job)) }
            switch decided.0 {
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

        // The nodes none of whose inputs must run are ready together: with arrays on, those of
        // one shape go out as one array (SlurmBatcher), each node still its own task `A_i`,
        // which is what its dependents wait for (`afterok:A_i`): a failed task holds back only
        // its own dependents.
        var roots: [(Int, PlanEntry)] = []
        if slurm.arrays {
            for (i, entry) in zip(selection, plan.entries) where mustRun.contains(i) {
                if !graph.dependencies(of: i).contains(where: mustRun.contains) { roots.append((i, entry)) }
            }
            roots = Array(roots.prefix(slurm.maxQueued))
        }
        if !roots.isEmpty {
            let batcher = SlurmBatcher(builder: self, slurm: slurm)
            for (i, _) in roots { await batcher.expect(graph.nodes[i].id) }
            let decisions = try await withThrowingTaskGroup(of: (Int, (Decision, replaced: String?)).self) { group in
                for (i, entry) in roots {
                    let inputs = sources(i)
                    group.addTask {
                        do {
                            let decided = try await decide(i, entry: entry, after: [], sources: inputs, room: true, batcher: batcher)
                            if case .submitted = decided.0 {} else { await batcher.withdraw(self.graph.nodes[i].id) }
                            return (i, decided)
                        } catch {
                            await batcher.withdraw(self.graph.nodes[i].id)
                            throw error
                        }
                    }
                }
                var out: [Int: (Decision, replaced: String?)] = [:]
                for try await (i, d) in group { out[i] = d }
                return out
            }
            for (i, _) in roots { if let d = decisions[i] { note(i, d) } }
        }
        let done = Set(roots.map(\.0))
        for (i, entry) in zip(selection, plan.entries) where !done.contains(i) {
            let node = graph.nodes[i]
            switch entry.status {
            case .cached: report.cached += 1; continue
            case .blocked(let why): report.blocked.append((node.id, why)); continue
            case .willRun: break
            }
            guard mustRun.contains(i) else { continue }
            let inputs = sources(i)
            var after: [String] = []
            var ready = true
            for j in graph.dependencies(of: i) where mustRun.contains(j) {
                if let job = jobOf[j], inputs[j] != nil { after.append(job) } else { ready = false }
            }
            guard ready else { report.left.append(node.id); continue }
            note(i, try await decide(i, entry: entry, after: after, sources: inputs, room: inQueue < slurm.maxQueued, batcher: nil))
        }
        return report
    }

    /// What `detach` did with one node, under its submission lock.
    private enum Decision: Sendable { case submitted(SubmittedJob), followed(SubmittedJob), recorded, left }

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
                           task: (name: String, output: String)? = nil,
                           syncMarker: Bool = true) throws -> (job: SubmittedJob, run: NodeRunnerCommand.Run) {
        let node = graph.nodes[i]
        let description = try writeJobDescription(i, key: key, forced: forced, upstream: upstream)
        let log = try store.logPath(forNode: node.id, attempt: attempt)
        let job = SubmittedJob(node: node.id, file: slurm.specFile, executor: "slurm", job: "", key: key?.key.hex, log: log,
                               attempt: attempt, description: description.hex, jobName: task?.name, output: task?.output)
        try store.recordSubmitting(job, sync: syncMarker)
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
