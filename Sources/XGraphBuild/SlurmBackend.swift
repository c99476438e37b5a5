import Foundation
import XGraphCore
import XGraphExecutors
import XGraphGraph
import XGraphKeys
import XGraphStore

/// The back-end of `--executor slurm`. One attempt of a node: submit it (or adopt the job
/// already queued for it), follow it through the shared squeue poll, then read the outcome from
/// the store. The job itself runs the node runner (`xgraph run-node`) on the node's description,
/// which records the node; the head writes nothing but the description and the submission.
struct SlurmBackend: ExecutionBackend {
    let builder: Builder
    let rebuilder: Rebuilder
    let slurm: SlurmSettings
    /// Gathers nodes ready together into job arrays; nil with `--slurm-arrays off`.
    let batcher: SlurmBatcher?

    init(builder: Builder, rebuilder: Rebuilder, slurm: SlurmSettings) {
        self.builder = builder; self.rebuilder = rebuilder; self.slurm = slurm
        batcher = slurm.arrays ? SlurmBatcher(builder: builder, slurm: slurm) : nil
    }

    var store: Store { builder.store }

    func deciding(_ node: Node) async { await batcher?.expect(node.id) }
    func decided(_ node: Node, willRun: Bool) async { if !willRun { await batcher?.withdraw(node.id) } }

    /// Slurm places jobs; on the head only the cap on queued jobs (and mutexes) limits them.
    func reservation(for node: Node) -> Resources { Resources(gpus: 0, cpus: 0, memMB: 0) }
    func maxInFlight(_ options: BuildOptions) -> Int { slurm.maxQueued }

    /// A job of a detached build may have run it after its inputs' jobs.
    func mayHaveRunElsewhere(_ node: Node) -> Bool {
        store.submittedJob(file: slurm.specFile, node: node.id) != nil
    }

    func attempt(_ a: NodeAttempt) async -> AttemptOutcome {
        var mayGroup = true
        while true {
            let (outcome, leftOver) = await attempt(a, mayGroup: mayGroup)
            // Its group's job ended before it reached this node (time limit, preemption): the
            // node itself did not fail, so it goes out again, alone this time, which cannot
            // end the same way for want of time.
            guard leftOver, mayGroup else { return outcome }
            builder.observer.event(.waiting(node: a.node.id, reason: "the job of its group ended before it started; submitting it again on its own"))
            mayGroup = false
        }
    }

    private func attempt(_ a: NodeAttempt, mayGroup: Bool) async -> (AttemptOutcome, leftOver: Bool) {
        let (i, node, key, attempt) = (a.index, a.node, a.key, a.number)
        if let out = rebuilder.cachedOutput(i, key: key) {
            await batcher?.withdraw(node.id)
            return (.cachedMeanwhile(output: out, waited: false), false)
        }
        let job: SubmittedJob
        do {
            let submitted = try await submitOrAdopt(i, node: node, key: key, attempt: attempt, mayGroup: mayGroup)
            // Submitted, adopted or recorded meanwhile: no longer on its way to the batcher,
            // whose next batch need not wait for it.
            await batcher?.withdraw(node.id)
            guard let adopted = submitted else {
                // Another head's job recorded the node while this one waited for the lock.
                return (.cachedMeanwhile(output: rebuilder.cachedOutput(i, key: key), waited: false), false)
            }
            job = adopted
        } catch is CancellationError {
            await batcher?.withdraw(node.id)
            return (.cancelled, false)
        } catch {
            await batcher?.withdraw(node.id)
            // A refusal (bad partition, account, limits) is not mended by asking again.
            return (.failed(Builder.message(error as? XGraphError ?? .io("\(error)")), nil, retry: false), false)
        }
        builder.observer.event(.submitted(node: node.id, job: job.job))
        // Nodes of a group share their task: each is done once its own record is there.
        let shared = job.jobName != nil && node.jobGroup != nil
        // Read once, when the job is seen to have recorded the node; the outcome uses it.
        var record: ActionRecord?
        do {
            try await follow(job, node: node, attempt: attempt, shared: shared) {
                if record == nil { record = self.rebuilder.jobRecord(i, key: key, log: job.log) }
                return record != nil
            }
        } catch is CancellationError {
            return (.cancelled, false)
        } catch {
            return (.failed(Builder.message(error as? XGraphError ?? .io("\(error)")), nil, retry: false), false)
        }
        let taskListed = shared ? await slurm.executor.queue.state(of: job.job, as: job.identity) != nil : false
        if !taskListed { slurm.executor.ended(job.job) }
        // Read before the array's folder (the task's output) may go.
        if record == nil { record = rebuilder.jobRecord(i, key: key, log: job.log) }
        let unreached = shared && record == nil && !FileManager.default.fileExists(atPath: job.log)
        let cancelled = unreached && (job.output.map { !FileManager.default.fileExists(atPath: $0) || RunnerProgress.wasCancelled(logPath: $0) } ?? true)
        await batcher?.finished(folder: job.output.map { ($0 as NSString).deletingLastPathComponent })
        if unreached {
            if cancelled { return (.failed("the job of its group (Slurm job \(job.job)) was cancelled before it reached this node", nil, retry: false), false) }
            return (.failed("the job of its group (Slurm job \(job.job)) ended before it reached this node", nil, retry: true), true)
        }
        return (outcome(record, job: job), false)
    }

    /// Waits until `job` has ended: squeue stops listing it and either its record is there or
    /// the controller confirms the end (a job is briefly unlisted while it is requeued).
    /// - Parameter shared: the task runs other nodes too; this one is done once it is recorded.
    private func follow(_ job: SubmittedJob, node: Node, attempt: Int, shared: Bool, recorded: () -> Bool) async throws {
        let queue = slurm.executor.queue
        // Asked for as this submission: were its id reused (a controller started afresh),
        // another job under it would not be followed, cancelled or taken for this node's.
        let identity = job.identity
        var running = false
        var reported: String?
        while true {
            var listed = await queue.state(of: job.job, as: identity)
            while let state = listed {
                if shared && recorded() { return }
                if state == .running && !running {
                    running = true
                    builder.observer.event(.started(node: node.id, gpuIDs: [], attempt: job.attempt))
                }
                if case .pending(let reason) = state, reason == "DependencyNeverSatisfied" {
                    try? await slurm.executor.cancel([job.job])
                    throw XGraphError.build("Slurm job \(job.job) can never start: one of its dependencies failed")
                }
                if let e = await queue.lastError, e != reported {
                    reported = e
                    builder.observer.event(.waiting(node: node.id, reason: "\(e) (still waiting for job \(job.job))"))
                }
                // Woken when a poll shows the job in another state (the queue's polls back off
                // while nothing changes, up to half a minute); a node that shares its job with
                // others is done when its record appears, which a look at the store, not at the
                // queue, tells every second.
                listed = try await queue.next(of: job.job, as: identity, after: state, within: shared ? Self.sharedLook : nil)
            }
            if recorded() { return }
            guard await queue.hasEnded(job.job, as: identity) else { continue }
            // A requeued job passes through an ended state before it is pending again, and a
            // shared file system may show the runner's record a moment late: look once more.
            try await Task.sleep(for: .seconds(Self.endGrace))
            if recorded() { return }
            let listedAgain = await queue.state(of: job.job, as: identity, fresh: true) != nil
            if listedAgain { continue }
            let ended = await queue.hasEnded(job.job, as: identity)
            if !ended { continue }
            // Requeued (scontrol requeue, preemption, the runner after SIGUSR1): Slurm reports the
            // run that was stopped as FAILED until the job is pending again, which under load
            // takes a while. Its log says so; wait for it to come back, within reason.
            guard RunnerProgress.isBeingRequeued(logPath: job.log) else { return }
            let deadline = ContinuousClock.now + .seconds(Self.requeueWait)
            while ContinuousClock.now < deadline {
                try await Task.sleep(for: .seconds(2))
                if recorded() { break }
                if await queue.state(of: job.job, as: identity, fresh: true) != nil { break }
            }
            if recorded() { return }
            if await queue.state(of: job.job, as: identity) == nil { return }
        }
    }

    /// How often a node that shares its job looks for its record.
    static let sharedLook: Duration = .seconds(1)

    /// Seconds between seeing a job end without a record and believing it.
    static let endGrace = 3.0
    /// Seconds to wait for a job whose log says it is being requeued to be listed again.
    static let requeueWait = 180.0

    /// Under the node's submission lock: a job already queued or running for this node (a
    /// detached build's, another head's, or one a killed head submitted without recording it)
    /// is followed instead of submitting a second one. Nil when the node was recorded meanwhile.
    private func submitOrAdopt(_ i: Int, node: Node, key: NodeKey, attempt: Int, mayGroup: Bool) async throws -> SubmittedJob? {
        let file = slurm.specFile
        return try await store.withSubmissionLock(file: file, node: node.id) {
            let registry = SlurmRegistry(store: store, file: file, queue: slurm.executor.queue)
            if let old = try await registry.current(node: node.id, key: key.key.hex) {
                slurm.executor.track(old.job)
                return old
            }
            // A job this head did not follow (another head's) may have ended with a record
            // since this attempt began: submitting now would only run into that record.
            if rebuilder.cachedOutput(i, key: key) != nil { return nil }
            if let old = await registry.superseded(node: node.id, key: key.key.hex) {
                try? await slurm.executor.cancel([old.job])
                builder.observer.event(.waiting(node: node.id, reason: "cancelled Slurm job \(old.job), submitted before the node changed"))
            }
            let forced = rebuilder.forced.contains(i)
            if let batcher {
                return try await batcher.submit(SlurmSubmission(index: i, node: node, key: key, attempt: attempt, forced: forced,
                                                                mayGroup: mayGroup))
            }
            return try await builder.submitNode(i, key: key, attempt: attempt, afterOK: [], forced: forced, slurm: slurm)
        }
    }

    /// The store is the truth: a record for the key means the job succeeded, whatever squeue or
    /// sacct might say; no record means it failed, and its log says why.
    /// - Parameter record: the node's record once the job ended (`Rebuilder.jobRecord`).
    private func outcome(_ record: ActionRecord?, job: SubmittedJob) -> AttemptOutcome {
        if let record {
            return .succeeded(record, seconds: record.provenance.end.timeIntervalSince(record.provenance.start))
        }
        guard FileManager.default.fileExists(atPath: job.log) else {
            return .failed("Slurm job \(job.job) ended without writing its log \(job.log): the compute node cannot "
                + "write the store (is \(store.root) on a file system the compute nodes share?), or the job was "
                + "cancelled before it started", nil, retry: false)
        }
        let why = RunnerProgress.failureSummary(logPath: job.log)
        return .failed("Slurm job \(job.job): \(why.isEmpty ? "ended without a record (killed before xgraph started?)" : why)", job.log, retry: true)
    }
}
