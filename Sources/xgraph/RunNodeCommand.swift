import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphExecutors
import XGraphStore

/// What a Slurm job runs (not for people): builds exactly one node on this machine with the
/// resources Slurm allocated, reading its inputs from and recording it into the shared store.
/// Like a local build it looks for the node's key first, so a job whose inputs came out
/// byte-identical ends at once (early cutoff).
struct RunNodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-node",
        abstract: "Run one node inside a cluster job (used by --executor slurm).",
        shouldDisplay: false)

    @Argument(help: "The experiment file.")
    var file: String
    @Option(name: .long, help: "The store (shared with the head).")
    var store: String
    @Option(name: .long, help: "The node to run.")
    var node: String
    @Option(name: .long, help: "The key the head computed; another key now means the experiment changed.")
    var key: String?
    @Option(name: .long, help: "The attempt number (logs and provenance).")
    var attempt: Int = 1
    @Option(name: .long, help: "The log to append the step's output to.")
    var log: String
    @Option(name: .long, help: "The head build's id, written into the record.")
    var buildId: String?
    @Flag(name: .long, help: "Run the node even if its key is in the store (build --force).")
    var force = false

    func run() async throws {
        do {
            let ws = try Workspace.open(file: file, storePath: store)
            guard let i = ws.graph.index(of: node) else {
                throw XGraphError.usage("\(file) has no node \(node) (the experiment changed since the job was submitted?)")
            }
            var expected: Digest?
            if let key {
                guard let d = Digest(hex: key) else { throw XGraphError.usage("--key \(key): expected a 64-digit hex digest") }
                expected = d
            }
            let env = ProcessInfo.processInfo.environment
            let resources = ws.graph.nodes[i].resources
            var options = BuildOptions(jobs: 1, force: force ? [node] : [], builtinVersion: BuiltinSteps.version)
            let running = RunningTask()
            let signals = SignalCancellation { _ in running.cancel() }
            options.single = SingleNodeRun(node: node, key: expected, logPath: log, attempt: attempt) {
                await Self.stopReason(signals: signals, job: env["SLURM_JOB_ID"])
            }
            let gpus = Self.allocatedGPUs(env, count: resources.gpus)
            options.findGPUs { (gpus, nil) }
            options.cpus = max(resources.cpus, Int(env["SLURM_CPUS_PER_TASK"] ?? "") ?? resources.cpus)
            options.memMB = max(resources.memMB, Int(env["SLURM_MEM_PER_NODE"] ?? "") ?? resources.memMB)
            // Slurm signals this process (the batch shell) before the time limit; the step
            // leads its own session, so pass the signal on to it.
            let forwarder = ws.graph.nodes[i].resume ? SignalForwarder(signal: SIGUSR1) : nil
            var headProvenance = ws.provenance()
            if let buildId, !buildId.isEmpty { headProvenance.buildID = String(buildId.prefix(200)) }
            let provenance = headProvenance
            let builder = Builder(graph: ws.graph, store: ws.store,
                                  executor: LocalExecutor(name: "slurm", forwarder: forwarder),
                                  renderer: CommandRenderer(builtinCommand: [try BuildCommand.trainProgram(for: ws)]),
                                  options: options, provenance: provenance, observer: RunnerProgress())
            let task = Task { try await builder.build(selection: Self.withInputs(i, ws)) }
            running.set(task)
            let summary = try await task.value
            withExtendedLifetime(signals) {}
            print(RunnerProgress.outcome(summary, node: node))
            if let forwarder, forwarder.received > 0, !summary.succeeded, let job = Self.requeueID(env) {
                // Back into the queue under the same job id: the head keeps waiting for it, and
                // the next run of this job continues from the resume folder.
                print("xgraph: requeueing Slurm job \(job) to continue from \(node)'s resume folder")
                fflush(nil)
                let out = try await SlurmClient().run("scontrol", ["requeue", job])
                // Killed by the requeue it asked for (status 128+n) is the expected end.
                if !out.succeeded && out.status < 128 { Console.err("xgraph: scontrol requeue \(job) failed: \(out.message)\n") }
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

    /// The node and everything it reads.
    static func withInputs(_ i: Int, _ ws: Workspace) -> [Int] {
        var chosen = Set<Int>()
        var stack = [i]
        while let j = stack.popLast() {
            if chosen.insert(j).inserted { stack.append(contentsOf: ws.graph.dependencies(of: j)) }
        }
        return chosen.sorted()
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
    private var task: Task<BuildSummary, Error>?
    private var cancelled = false

    func set(_ t: Task<BuildSummary, Error>) {
        let cancelNow = lock.withLock { task = t; return cancelled }
        if cancelNow { t.cancel() }
    }

    func cancel() {
        let t = lock.withLock { cancelled = true; return task }
        t?.cancel()
    }
}
