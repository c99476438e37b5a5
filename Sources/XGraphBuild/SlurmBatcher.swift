import Foundation
import XGraphCore
import XGraphExecutors
import XGraphStore

/// Collects the node attempts that become ready together and submits those that ask Slurm for
/// the same (resources, placement, requeue: their `jobShape`) as one job array, within the
/// cluster's `MaxArraySize`. One node alone still goes out as a job of its own, as it always
/// did.
///
/// The scheduler hands ready nodes over one at a time, so "together" must be found out. The
/// build tells the batcher which nodes are being decided (`expect`) and which of them will not
/// run (`withdraw`); a node that arrives is no longer expected. Submissions go out as soon as
/// nothing is expected, so a one-node build never waits; while more are on their way (the
/// scheduler's 16 decisions at a time on a wide graph) the batch grows until none has
/// arrived for `quiet`, or for at most `longest` since the first, so a steady stream (nodes
/// released one by one as earlier jobs end under `--max-queued`) still goes out promptly.
/// Only one `sbatch` runs at a time: what arrives meanwhile forms the next batch.
actor SlurmBatcher {
    private let builder: Builder
    private let slurm: SlurmSettings

    private struct Waiting {
        var submission: SlurmSubmission
        var shape: [String]
        var id: UInt64
        var resume: CheckedContinuation<SubmittedJob, Error>
    }

    private var waiting: [Waiting] = []
    private var expected: Set<String> = []
    private var arrivals = 0
    private var lastArrival = ContinuousClock.now
    private var sending: Task<Void, Never>?
    private var nextID: UInt64 = 0
    /// Arrays sent, and the nodes of each not yet followed to their end (`finished`): the
    /// array's folder is removed once no task of it can start again.
    private var folders: [String: Int] = [:]

    static let quiet: Duration = .milliseconds(50)
    static let longest: Duration = .seconds(1)

    init(builder: Builder, slurm: SlurmSettings) {
        self.builder = builder; self.slurm = slurm
    }

    /// The build is deciding whether `node` runs.
    func expect(_ node: String) { expected.insert(node) }

    /// `node` will not be submitted (cached, failed, blocked).
    func withdraw(_ node: String) {
        expected.remove(node)
    }

    /// Submits `s` with whatever arrives with it; returns its registry entry (the array task
    /// `A_i` it became, or its own job). The caller holds the node's submission lock.
    func submit(_ s: SlurmSubmission) async throws -> SubmittedJob {
        expected.remove(s.node.id)
        let shape = Builder.jobShape(s.node, slurm: slurm).sbatchArguments(name: "", output: "")
        nextID += 1
        let id = nextID
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { c in
                waiting.append(Waiting(submission: s, shape: shape, id: id, resume: c))
                arrivals += 1
                lastArrival = .now
                if sending == nil { sending = Task { await self.sendAll() } }
            }
        } onCancel: {
            Task { await self.drop(id) }
        }
    }

    /// An attempt cancelled before its batch went out is not submitted.
    private func drop(_ id: UInt64) {
        guard let k = waiting.firstIndex(where: { $0.id == id }) else { return }
        waiting.remove(at: k).resume.resume(throwing: CancellationError())
    }

    /// The attempt of a node that was a task of the array in `folder` has ended.
    func finished(folder: String?) {
        guard let folder, let left = folders[folder] else { return }
        if left <= 1 {
            folders[folder] = nil
            builder.store.removeArrayFolder(folder)
        } else {
            folders[folder] = left - 1
        }
    }

    private func sendAll() async {
        while !waiting.isEmpty {
            await gather()
            let batch = waiting
            waiting = []
            await send(batch)
        }
        sending = nil
    }

    /// Waits while more nodes are on their way (see the type's comment).
    private func gather() async {
        let first = ContinuousClock.now
        var seen = -1
        while true {
            // Let the attempts the scheduler has just started reach this actor.
            for _ in 0..<3 { await Task.yield() }
            let quietNow = arrivals == seen
            if quietNow && expected.isEmpty { return }
            if ContinuousClock.now - first >= Self.longest { return }
            if quietNow && ContinuousClock.now - lastArrival >= Self.quiet { return }
            seen = arrivals
            if !expected.isEmpty { try? await Task.sleep(for: .milliseconds(5)) }
        }
    }

    /// Sends `batch`: one array per shape (several where a shape has more nodes than the
    /// cluster's `MaxArraySize`), a single job for a node alone.
    private func send(_ batch: [Waiting]) async {
        var order: [[String]] = []
        var byShape: [[String]: [Waiting]] = [:]
        for w in batch {
            if byShape[w.shape] == nil { order.append(w.shape) }
            byShape[w.shape, default: []].append(w)
        }
        let most = await slurm.executor.maxArraySize()
        for shape in order {
            let group = byShape[shape] ?? []
            var start = 0
            while start < group.count {
                let chunk = Array(group[start..<min(group.count, start + max(1, most))])
                start += chunk.count
                await sendArray(chunk)
            }
        }
    }

    private func sendArray(_ chunk: [Waiting]) async {
        guard chunk.count > 1, let first = chunk.first else {
            for w in chunk { await sendAlone(w) }
            return
        }
        do {
            let (folder, jobs) = try await builder.submitArray(chunk.map { [$0.submission] },
                                                               shape: Builder.jobShape(first.submission.node, slurm: slurm),
                                                               slurm: slurm)
            folders[folder] = chunk.count
            for (w, unit) in zip(chunk, jobs) {
                if let job = unit.first { w.resume.resume(returning: job) } else { w.resume.resume(throwing: CancellationError()) }
            }
        } catch {
            for w in chunk { w.resume.resume(throwing: error) }
        }
    }

    private func sendAlone(_ w: Waiting) async {
        do {
            let s = w.submission
            w.resume.resume(returning: try await builder.submitNode(s.node, key: s.key, attempt: s.attempt, afterOK: [],
                                                                     forced: s.forced, slurm: slurm))
        } catch {
            w.resume.resume(throwing: error)
        }
    }
}
