import Foundation
import XGraphCore

/// What squeue says of one job.
public enum SlurmJobState: Sendable, Equatable {
    /// Waiting; `reason` is squeue's (Priority, Resources, Dependency, DependencyNeverSatisfied…).
    case pending(reason: String)
    case running
    /// Any other state squeue still lists (COMPLETING, SUSPENDED, REQUEUED…).
    case other(String)

    public var text: String {
        switch self {
        case .pending(let r): return r.isEmpty || r == "None" ? "pending" : "pending (\(r))"
        case .running: return "running"
        case .other(let s): return s.lowercased()
        }
    }
}

/// The jobs of this user that squeue lists, shared by every waiter: one `squeue` call per poll
/// for all jobs, never one per job, and polls that back off while nothing changes (so a head
/// waiting on a queue of day-long jobs costs next to nothing).
///
/// A job that squeue no longer lists has ended; whether it succeeded is read from the store
/// (its record), never from squeue or sacct, which may lag or be disabled.
public actor SlurmQueue {
    private let client: SlurmClient
    private var jobs: [String: SlurmJobState] = [:]
    private var takenAt: ContinuousClock.Instant?
    private var refreshing: Task<Void, Never>?
    private var interval: Duration
    private let shortest: Duration
    private let longest: Duration
    /// The last squeue failure, kept while it lasts: waiters report it.
    public private(set) var lastError: String?
    /// squeue calls made, for the benchmark.
    public private(set) var polls = 0

    public init(client: SlurmClient = SlurmClient(), shortest: Duration = .milliseconds(500),
                longest: Duration = .seconds(30)) {
        self.client = client; self.shortest = shortest; self.longest = longest; self.interval = shortest
    }

    /// How long a waiter sleeps before it asks again.
    public var pollInterval: Duration { interval }

    /// Jobs submitted since a poll began, by the poll count then: a poll that started before
    /// sbatch returned cannot list them, and must not make them look ended.
    private var fresh: [String: Int] = [:]

    /// A new job was submitted: it counts as queued until a later poll says otherwise, and the
    /// next poll comes soon, since it may end quickly.
    public func noteSubmitted(_ job: String) {
        interval = shortest
        fresh[job] = polls
        if jobs[job] == nil { jobs[job] = .pending(reason: "submitted") }
    }

    /// The state of `job`, or nil when squeue does not list it (it has ended). When squeue
    /// fails the last good answer stands: a controller that is briefly unreachable must not
    /// make running jobs look ended.
    public func state(of job: String, fresh: Bool = false) async -> SlurmJobState? {
        if fresh { takenAt = nil }
        await refreshIfStale()
        return jobs[job]
    }

    /// Every listed job of this user.
    public func snapshot() async -> [String: SlurmJobState] {
        await refreshIfStale()
        return jobs
    }

    private func refreshIfStale() async {
        if let t = takenAt, ContinuousClock.now - t < interval / 2 { return }
        if let r = refreshing { await r.value; return }
        let task = Task { await self.refresh() }
        refreshing = task
        await task.value
        refreshing = nil
    }

    private func refresh() async {
        let poll = polls
        polls += 1
        do {
            // %i is the job id as sbatch --parsable printed it; %T the state; %r the reason.
            let out = try await client.run("squeue", ["--me", "--noheader", "--format=%i|%T|%r"])
            guard out.succeeded else {
                lastError = "squeue failed: " + out.message
                interval = min(interval * 2, longest)
                return
            }
            var now = Self.parse(out.stdout)
            debug("squeue poll \(poll): \(now.count) jobs listed, \(now.values.filter { $0 == .running }.count) running")
            for (job, at) in fresh {
                if now[job] != nil || at < poll { fresh[job] = nil } else { now[job] = jobs[job] }
            }
            interval = now == jobs ? min(interval * 3 / 2, longest) : shortest
            jobs = now
            lastError = nil
            takenAt = .now
        } catch {
            lastError = "\(error)"
            interval = min(interval * 2, longest)
        }
    }

    /// Asks the controller about one job that squeue stopped listing: true unless it says the
    /// job is still pending, running or being requeued. Called once per job that ended without
    /// a record, so a job briefly missing from squeue is not taken for a failure and run twice.
    public func hasEnded(_ job: String) async -> Bool {
        guard let out = try? await client.run("scontrol", ["show", "job", "-o", job]) else { return true }
        // An id the controller no longer knows (past MinJobAge) has ended long ago.
        guard out.succeeded, let range = out.stdout.range(of: "JobState=") else { return true }
        let state = out.stdout[range.upperBound...].prefix { $0.isLetter || $0 == "_" }
        let listed = Self.parse("\(job)|\(state)|")
        debug("scontrol: job \(job) is \(state)")
        if listed[job] == nil { return true }
        interval = shortest
        return false
    }

    /// `XGRAPH_DEBUG_SLURM=1`: one stderr line per squeue poll and scontrol check.
    private static let debugging = ProcessInfo.processInfo.environment["XGRAPH_DEBUG_SLURM"].map { !$0.isEmpty && $0 != "0" } ?? false
    private func debug(_ line: @autoclosure () -> String) {
        if Self.debugging { Console.err("xgraph: \(line())\n") }
    }

    static func parse(_ text: String) -> [String: SlurmJobState] {
        var jobs: [String: SlurmJobState] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 2, !f[0].isEmpty else { continue }
            let state = f[1].trimmingCharacters(in: .whitespaces)
            switch state {
            case "PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED": jobs[f[0]] = .pending(reason: f.count > 2 ? f[2] : "")
            case "RUNNING", "CONFIGURING", "COMPLETING", "RESIZING", "SIGNALING", "STAGE_OUT": jobs[f[0]] = .running
            // Listed for a while after the end: ended all the same. PREEMPTED and NODE_FAIL are
            // not among them: Slurm may requeue such a job, and a waiter that took it for ended
            // would submit the node a second time.
            case "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE",
                 "SPECIAL_EXIT", "REVOKED": continue
            default: jobs[f[0]] = .other(state)
            }
        }
        return jobs
    }
}
