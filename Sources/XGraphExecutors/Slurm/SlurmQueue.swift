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

    /// A new job was submitted: look soon, it may end quickly.
    public func noteSubmitted() { interval = shortest }

    /// The state of `job`, or nil when squeue does not list it (it has ended). When squeue
    /// fails the last good answer stands: a controller that is briefly unreachable must not
    /// make running jobs look ended.
    public func state(of job: String) async -> SlurmJobState? {
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
        polls += 1
        do {
            // %i is the job id as sbatch --parsable printed it; %T the state; %r the reason.
            let out = try await client.run("squeue", ["--me", "--noheader", "--format=%i|%T|%r"])
            guard out.succeeded else {
                lastError = "squeue failed: " + out.message
                interval = min(interval * 2, longest)
                return
            }
            let now = Self.parse(out.stdout)
            interval = now == jobs ? min(interval * 3 / 2, longest) : shortest
            jobs = now
            lastError = nil
            takenAt = .now
        } catch {
            lastError = "\(error)"
            interval = min(interval * 2, longest)
        }
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
