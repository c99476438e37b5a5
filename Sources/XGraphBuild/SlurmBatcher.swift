import Foundation
import XGraphCore
import XGraphExecutors
import XGraphStore

/// Collects the node attempts that become ready together and submits those that ask Slurm for
/// the same (resources, placement, requeue: their `jobShape`) as one job array, within the
/// cluster's `MaxArraySize`. One node alone still goes out as a job of its own, as it always
/// did. A step's `group:` packs several of its nodes into one task (`units`), run one after
/// another.
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
        let request = Builder.jobShape(s.node, slurm: slurm)
        // Nodes whose arrays would be throttled differently never share one.
        var shape = request.sbatchArguments(name: "", output: "") + ["%\(slurm.throttle(request.profile))"]
        // A step's grouped nodes share jobs with each other only.
        if s.group != nil { shape.append("group of " + s.node.step) }
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
        guard let first = chunk.first else { return }
        let units = Self.units(chunk, history: builder.history)
        guard units.count > 1 || chunk.count > 1 else {
            await sendAlone(first)
            return
        }
        var shape = Builder.jobShape(first.submission.node, slurm: slurm)
        if let group = first.submission.group, units.contains(where: { $0.count > 1 }) {
            // The job runs its nodes one after another: it gets the group's time, else the
            // most any unit's nodes may take together.
            let sums = units.map { unit in unit.map { $0.submission.node.resources.timeSeconds } }
            shape.resources.timeSeconds = group.maxTime
                ?? (sums.allSatisfy { $0.allSatisfy { $0 != nil } } ? sums.map { $0.reduce(0) { $0 + ($1 ?? 0) } }.max() : nil)
        }
        do {
            let (folder, jobs) = try await builder.submitArray(units.map { $0.map(\.submission) }, shape: shape, slurm: slurm)
            folders[folder] = chunk.count
            for (unit, unitJobs) in zip(units, jobs) {
                for (w, job) in zip(unit, unitJobs) { w.resume.resume(returning: job) }
            }
        } catch ArrayRefusal.lineBreak {
            for w in chunk { await sendAlone(w) }
        } catch {
            for w in chunk { w.resume.resume(throwing: error) }
        }
    }

    /// `chunk` as array tasks: one node each, or for a step with `group:` up to `max_nodes`
    /// of its nodes, as many as fit in `max_time` by their duration history (a node
    /// without history counts as its `time:` limit, else as nothing; a unit always takes one).
    private static func units(_ chunk: [Waiting], history: DurationHistory) -> [[Waiting]] {
        guard let group = chunk.first?.submission.group, group.maxNodes > 1 else { return chunk.map { [$0] } }
        var units: [[Waiting]] = []
        var unit: [Waiting] = []
        var seconds = 0.0
        for w in chunk {
            let node = w.submission.node
            let takes = history.known(node) ?? node.resources.timeSeconds ?? 0
            if !unit.isEmpty && (unit.count >= group.maxNodes || group.maxTime.map { seconds + takes > $0 } ?? false) {
                units.append(unit)
                unit = []
                seconds = 0
            }
            unit.append(w)
            seconds += takes
        }
        if !unit.isEmpty { units.append(unit) }
        return units
    }

    private func sendAlone(_ w: Waiting) async {
        do {
            let s = w.submission
            let sources = s.sources
            w.resume.resume(returning: try await builder.submitNode(s.index, key: s.key, attempt: s.attempt, afterOK: [],
                                                                     forced: s.forced, slurm: slurm, upstream: { sources[$0] }))
        } catch {
            w.resume.resume(throwing: error)
        }
    }
}
