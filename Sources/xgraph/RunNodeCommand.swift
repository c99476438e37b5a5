import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphExecutors
import XGraphGraph
import XGraphStore

/// What a Slurm job runs (not for people): builds one node on this machine with the resources
/// Slurm allocated, from the node description its head wrote into the shared store
/// (`DescribedNodeRun`): it never reads the experiment file. Like a local build it looks for
/// the node's key first, so a job whose inputs came out byte-identical ends at once (early
/// cutoff); a key other than the head's (code or data changed since) runs nothing.
///
/// A grouped task (`group:`) gives it several nodes (`--description`, `--attempt` and `--log`
/// repeated, `NodeRunnerCommand`): it runs them one after another in this one process, which
/// shares the opened store (and its digest cache) between them, while each node still checks
/// its own description and key. Each node's part of the output goes to that node's log, each is
/// recorded as soon as it ends, a failed one does not stop the next, and a signal stops the node
/// it is running and starts no other: the head sends the nodes this runner never reached (they
/// have no log yet) out again on their own.
struct RunNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-node",
        abstract: "Run one node, or a grouped task's nodes one after another, inside a cluster job (used by --executor slurm).",
        shouldDisplay: false)

    @Option(name: .long, help: "The node description the head wrote (jobs/descriptions/<sha256>.json in the store); repeated for each node of a grouped task.")
    var description: [String] = []
    @Option(name: .long, help: "The store (shared with the head).")
    var store: String
    @Option(name: .long, help: "The attempt number (logs and provenance), one per --description (default: 1 each).")
    var attempt: [Int] = []
    @Option(name: .long, help: "The log to append the step's output to, one per --description.")
    var log: [String] = []

    func validate() throws {
        guard !description.isEmpty else { throw ValidationError("give --description (and its --log)") }
        guard log.count == description.count else {
            throw ValidationError("give one --log per --description (\(description.count) descriptions, \(log.count) logs)")
        }
        guard attempt.isEmpty || attempt.count == description.count else {
            throw ValidationError("give one --attempt per --description, or none (\(description.count) descriptions, \(attempt.count) attempts)")
        }
    }

    /// The node attempts, in the order given.
    var runs: [NodeRunnerCommand.Run] {
        description.indices.map { k in
            NodeRunnerCommand.Run(description: description[k], attempt: attempt.isEmpty ? 1 : attempt[k], log: log[k])
        }
    }

    func run() async throws {
        do {
            let store = try Store(root: self.store)
            let running = RunningTask()
            let signals = SignalCancellation { _ in running.cancel() }
            let runs = self.runs
            let runner = Runner(store: store, env: ProcessInfo.processInfo.environment, running: running, signals: signals,
                                train: RunningProgram.sibling(BuiltinSteps.programName))
            guard runs.count > 1 else {
                // A job of one node: this process is the batch shell and Slurm's output is the
                // node's log, so the runner writes where it stands.
                guard let only = runs.first else { throw XGraphError.usage("give --description (and its --log)") }
                let (summary, node, forwarder) = try await runner.run(only)
                if let forwarder, forwarder.received > 0, !summary.succeeded, let id = Self.requeueID(runner.env) {
                    // Back into the queue under the same job id: the head keeps waiting for
                    // it, and the next run of this job continues from the resume folder.
                    print("xgraph: requeueing Slurm job \(id) to continue from \(node.id)'s resume folder")
                    fflush(nil)
                    let out = try await SlurmClient().run("scontrol", ["requeue", id])
                    // Killed by the requeue it asked for (status 128+n) is the expected end.
                    if !out.succeeded && out.status < 128 { Console.err("xgraph: scontrol requeue \(id) failed: \(out.message)\n") }
                }
                withExtendedLifetime(signals) {}
                XGraph.finish(summary.succeeded ? 0 : 1)
            }
            let succeeded = await runner.runOneByOne(runs)
            withExtendedLifetime(signals) {}
            XGraph.finish(succeeded ? 0 : 1)
        } catch {
            XGraph.fail(error)
        }
    }

    /// Why the step's success must not be recorded: this process got SIGTERM or SIGINT, or the
    /// controller no longer counts the job as running (cancelled, requeued, timed out: it
    /// changes the state before it signals the job's processes, so this check cannot lose
    /// the race the signal can). Nil when nothing says so, also when scontrol cannot be asked.
    static func stopReason(signals: SignalCancellation, job: String?) async -> String? {
        if let s = signals.received { return "the job was stopped by signal \(s) while the step ran" }
        guard let job, let out = try? await SlurmClient().run("scontrol", ["show", "job", "-o", job]), out.succeeded,
              let r = out.stdout.range(of: "JobState=") else { return nil }
        let state = out.stdout[r.upperBound...].prefix { $0.isLetter || $0 == "_" }
        return state == "RUNNING" ? nil : "Slurm reports job \(job) as \(state), not running"
    }

    /// The id that requeues this job alone: `A_i` for a task of array A (each task's
    /// SLURM_JOB_ID is a number of its own, which scontrol requeue does not take for the task).
    static func requeueID(_ env: [String: String]) -> String? {
        if let array = env["SLURM_ARRAY_JOB_ID"], let task = env["SLURM_ARRAY_TASK_ID"], !array.isEmpty, !task.isEmpty {
            return "\(array)_\(task)"
        }
        return env["SLURM_JOB_ID"]
    }

    /// The GPUs Slurm gave the job: CUDA_VISIBLE_DEVICES as Slurm set it. Device ids Slurm
    /// reports as UUIDs or not at all fall back to the first `count` ids.
    static func allocatedGPUs(_ env: [String: String], count: Int) -> [Int] {
        guard count > 0 else { return [] }
        let text = env["CUDA_VISIBLE_DEVICES"] ?? env["SLURM_JOB_GPUS"] ?? ""
        let ids = text.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        return ids.count >= count ? ids : Array(0..<count)
    }
}

/// What runs the nodes of one `run-node`: the store, environment and signal handling they
/// share.
private struct Runner {
    let store: Store
    let env: [String: String]
    let running: RunningTask
    let signals: SignalCancellation
    /// xgraph-train beside this binary, for builtin steps.
    let train: String

    /// Runs one node attempt from its description and prints its closing line; throws, having
    /// run nothing, when the description cannot be read or checked (its digest, its format)
    /// or names a builtin step without xgraph-train.
    func run(_ run: NodeRunnerCommand.Run) async throws -> (BuildSummary, Node, SignalForwarder?) {
        var job = try DescribedNodeRun(descriptionAt: run.description, store: store,
                                       renderer: CommandRenderer(builtinCommand: [train]),
                                       executor: LocalExecutor(name: "slurm"), observer: RunnerProgress(),
                                       logPath: run.log, attempt: run.attempt)
        let node = job.node
        if case .builtin = node.kind, !FileManager.default.isExecutableFile(atPath: train) {
            throw XGraphError.usage("builtin steps need \(BuiltinSteps.programName) next to xgraph (\(train)); `make build` builds both")
        }
        // Slurm signals this process (the batch shell) before the time limit; the step leads
        // its own session, so pass the signal on to it. Made once the description says the
        // node resumes.
        var forwarder: SignalForwarder?
        if node.resume {
            let f = SignalForwarder(signal: SIGUSR1)
            forwarder = f
            job.executor = LocalExecutor(name: "slurm", forwarder: f)
        }
        let resources = node.resources
        job.gpuIDs = RunNodeCommand.allocatedGPUs(env, count: resources.gpus)
        job.cpus = max(resources.cpus, Int(env["SLURM_CPUS_PER_TASK"] ?? "") ?? resources.cpus)
        job.memMB = max(resources.memMB, Int(env["SLURM_MEM_PER_NODE"] ?? "") ?? resources.memMB)
        let (signals, jobID) = (self.signals, env["SLURM_JOB_ID"])
        job.confirm = { await RunNodeCommand.stopReason(signals: signals, job: jobID) }
        let described = job
        let task = Task { await described.run() }
        running.set(task)
        let summary = await task.value
        print(RunnerProgress.outcome(summary, node: node.id))
        fflush(nil)
        return (summary, node, forwarder)
    }

    /// A grouped task's nodes, one after another, each with this process's standard output and
    /// error pointed at its own log. Whether all of them succeeded.
    func runOneByOne(_ runs: [NodeRunnerCommand.Run]) async -> Bool {
        let streams: NodeLogRedirection
        do { streams = try NodeLogRedirection() } catch {
            XGraph.report(error)
            return false
        }
        var succeeded = true
        for r in runs {
            // Stopped (scancel, time limit, preemption): the nodes not reached keep no log,
            // which is how the head knows to send them again.
            if signals.received != nil { return false }
            do {
                try streams.point(at: r.log)
            } catch {
                // Into the task's output: the node, with no log, is sent again on its own.
                XGraph.report(error)
                succeeded = false
                continue
            }
            do {
                let (summary, _, _) = try await run(r)
                if !summary.succeeded { succeeded = false }
            } catch {
                // What a runner of its own would have ended with, in this node's log alone.
                XGraph.report(error)
                succeeded = false
            }
            streams.restore()
        }
        return succeeded && signals.received == nil
    }
}

/// The running node's task, for a signal that arrives before or after it exists; after a
/// signal every task set is cancelled at once.
private final class RunningTask: @unchecked Sendable {
    private let lock = NSLock()
    private var task: Task<BuildSummary, Never>?
    private var cancelled = false

    func set(_ t: Task<BuildSummary, Never>) {
        let cancelNow = lock.withLock { task = t; return cancelled }
        if cancelNow { t.cancel() }
    }

    func cancel() {
        let t = lock.withLock { cancelled = true; return task }
        t?.cancel()
    }
}
