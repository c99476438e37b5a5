import Foundation
import Synchronization
import XGraphCore

/// The head side of `--executor slurm`: submits nodes as jobs, follows them through one shared
/// squeue poll, and cancels them. It never runs a step itself; the job runs the node runner on a
/// compute node, which records the node in the shared store.
public final class SlurmExecutor: Sendable {
    public let name = "slurm"
    public let client: SlurmClient
    public let queue: SlurmQueue
    /// Jobs this process submitted or adopted that have not been seen to end: what a Ctrl-C
    /// leaves in the queue, or cancels.
    private let live = Mutex<Set<String>>([])
    /// Seconds of xgraph's own time spent in sbatch calls, and their count (for the benchmark).
    private let submitted = Mutex<(count: Int, seconds: Double)>((0, 0))
    private let arraySize = Mutex<Int?>(nil)

    public init(client: SlurmClient = SlurmClient(), queue: SlurmQueue? = nil) {
        self.client = client
        self.queue = queue ?? SlurmQueue(client: client)
    }

    /// Submits `request`; returns the job id. A refusal is an error with Slurm's own words.
    public func submit(_ request: SlurmJobRequest) async throws -> String {
        try await submit(arguments: request.sbatchArguments, script: request.script, what: "the job of \(request.node)",
                         as: SlurmJobIdentity(node: request.node, log: request.logPath))
    }

    /// Submits `request` as one job array; returns the ids of its tasks (`A_0`, `A_1`, …), each
    /// followed as the submission of its own output file.
    public func submit(_ request: SlurmArrayRequest) async throws -> [String] {
        let array = try await submit(arguments: request.sbatchArguments, script: request.script,
                                     what: "an array of \(request.units.count) tasks (\(request.name))", as: nil)
        let tasks = request.units.indices.map { "\(array)_\($0)" }
        for id in tasks { track(id) }
        await queue.noteSubmitted(tasks.enumerated().map { i, id in
            (id, SlurmJobIdentity(name: request.name, log: SlurmArrayRequest.output(folder: request.folder, task: i)))
        })
        return tasks
    }

    /// The cluster's `MaxArraySize` (`scontrol show config`): an array's indices go up to one
    /// less. Asked once per process; Slurm's default where it cannot be read.
    public func maxArraySize() async -> Int {
        if let known = arraySize.withLock({ $0 }) { return known }
        var size = Self.defaultMaxArraySize
        if let out = try? await client.run("scontrol", ["show", "config"]), out.succeeded,
           let parsed = Self.maxArraySize(config: out.stdout) {
            size = parsed
        }
        arraySize.withLock { $0 = size }
        return size
    }

    public static let defaultMaxArraySize = 1001

    /// `MaxArraySize = N` in `scontrol show config`'s text; nil when absent or not a number.
    /// 0 turns arrays off on the cluster: no array then.
    public static func maxArraySize(config: String) -> Int? {
        for line in config.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, parts[0] == "MaxArraySize", let n = Int(parts[1]), n >= 0 { return n }
        }
        return nil
    }

    /// Runs `sbatch --parsable ARGUMENTS` with `script` on stdin and follows the job it makes.
    /// - Parameter what: the job in messages ("the job of NODE", "the probe job").
    /// - Parameter identity: the job name and `--output` path among `arguments`; nil for an
    ///   array, whose tasks the caller notes.
    public func submit(arguments: [String], script: String, what: String, as identity: SlurmJobIdentity?,
                       refused: String = "") async throws -> String {
        let started = ContinuousClock.now
        let out = try await client.run("sbatch", arguments, input: script)
        guard out.succeeded else {
            throw XGraphError.build("Slurm refused \(what)\(refused): \(out.message) (sbatch \(arguments.joined(separator: " ")))")
        }
        // --parsable prints `id` or `id;cluster`.
        let id = out.stdout.split(whereSeparator: { $0 == ";" || $0.isNewline }).first.map(String.init) ?? ""
        guard !id.isEmpty, id.allSatisfy({ $0.isNumber || $0 == "_" }) else {
            throw XGraphError.build("sbatch accepted \(what) but printed no job id: \(out.stdout)")
        }
        let spent = (ContinuousClock.now - started) / .seconds(1)
        submitted.withLock { $0.count += 1; $0.seconds += spent }
        if let identity {
            track(id)
            await queue.noteSubmitted([(id, identity)])
        }
        return id
    }

    /// Follow a job this process did not submit (one a detached build left in the queue).
    public func track(_ id: String) { _ = live.withLock { $0.insert(id) } }
    public func ended(_ id: String) { _ = live.withLock { $0.remove(id) } }
    public var liveJobs: [String] { live.withLock { $0.sorted { $0.count != $1.count ? $0.count < $1.count : $0 < $1 } } }

    public var submissions: (count: Int, seconds: Double) { submitted.withLock { $0 } }

    /// `scancel` for all of `ids` in one call.
    public func cancel(_ ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        let out = try await client.run("scancel", ids)
        guard out.succeeded else { throw XGraphError.build("scancel failed: \(out.message)") }
        for id in ids { ended(id) }
    }
}
