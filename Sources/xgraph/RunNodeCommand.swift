import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphExecutors
import XGraphStore

/// What a Slurm job runs (not for people): builds exactly one node on this machine with the
/// resources Slurm allocated, from the node description its head wrote into the shared store
/// (`DescribedNodeRun`): it never reads the experiment file. Like a local build it looks for
/// the node's key first, so a job whose inputs came out byte-identical ends at once (early
/// cutoff); a key other than the head's (code or data changed since) runs nothing.
struct RunNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-node",
        abstract: "Run one node inside a cluster job (used by --executor slurm).",
        shouldDisplay: false)

    @Option(name: .long, help: "The node description the head wrote (jobs/descriptions/<sha256>.json in the store).")
    var description: String
    @Option(name: .long, help: "The store (shared with the head).")
    var store: String
    @Option(name: .long, help: "The attempt number (logs and provenance).")
    var attempt: Int = 1
    @Option(name: .long, help: "The log to append the step's output to.")
    var log: String

    func run() async throws {
        do {
            let store = try Store(root: self.store)
            let env = ProcessInfo.processInfo.environment
            let running = RunningTask()
            let signals = SignalCancellation { _ in running.cancel() }
            // Slurm signals this process (the batch shell) before the time limit; the step
            // leads its own session, so pass the signal on to it. Made once the description
            // says the node resumes.
            let forwarding = ForwarderBox()
            let train = RunningProgram.sibling(BuiltinSteps.programName)
            var job = try DescribedNodeRun(descriptionAt: description, store: store,
                                           renderer: CommandRenderer(builtinCommand: [train]),
                                           executor: LocalExecutor(name: "slurm"), observer: RunnerProgress(),
                                           logPath: log, attempt: attempt)
            let node = job.node
            if case .builtin = node.kind, !FileManager.default.isExecutableFile(atPath: train) {
                throw XGraphError.usage("builtin steps need \(BuiltinSteps.programName) next to xgraph (\(train)); `make build` builds both")
            }
            if node.resume {
                let forwarder = SignalForwarder(signal: SIGUSR1)
                forwarding.forwarder = forwarder
                job.executor = LocalExecutor(name: "slurm", forwarder: forwarder)
            }
            let resources = node.resources
            job.gpuIDs = Self.allocatedGPUs(env, count: resources.gpus)
            job.cpus = max(resources.cpus, Int(env["SLURM_CPUS_PER_TASK"] ?? "") ?? resources.cpus)
            job.memMB = max(resources.memMB, Int(env["SLURM_MEM_PER_NODE"] ?? "") ?? resources.memMB)
            job.confirm = { await Self.stopReason(signals: signals, job: env["SLURM_JOB_ID"]) }
            let described = job
            let task = Task { await described.run() }
            running.set(task)
            let summary = await task.value
            withExtendedLifetime(signals) {}
            print(RunnerProgress.outcome(summary, node: node.id))
            if let forwarder = forwarding.forwarder, forwarder.received > 0, !summary.succeeded, let id = Self.requeueID(env) {
                // Back into the queue under the same job id: the head keeps waiting for it, and
                // the next run of this job continues from the resume folder.
                print("xgraph: requeueing Slurm job \(id) to continue from \(node.id)'s resume folder")
                fflush(nil)
                let out = try await SlurmClient().run("scontrol", ["requeue", id])
                // Killed by the requeue it asked for (status 128+n) is the expected end.
                if !out.succeeded && out.status < 128 { Console.err("xgraph: scontrol requeue \(id) failed: \(out.message)\n") }
            }
            XGraph.finish(summary.succeeded ? 0 : 1)
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

/// The build task, for a signal that arrives before or after it exists.
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

/// The SIGUSR1 forwarder of a node that resumes, kept alive for the whole run.
private final class ForwarderBox: @unchecked Sendable {
    var forwarder: SignalForwarder?
}
