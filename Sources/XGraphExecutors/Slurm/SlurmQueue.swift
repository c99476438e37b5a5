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
    private var jobs: [String: SlurmListedJob] = [:]
    private var takenAt: ContinuousClock.Instant?
    /// The wall-clock time the last successful poll began: registry entries written after it
    /// (by another head) may name jobs that poll could not list.
    public private(set) var listedAt: Date?
    private var refreshing: Task<Void, Never>?
    private var interval: Duration
    private let shortest: Duration
    private let longest: Duration
    /// The last squeue failure, kept while it lasts: waiters report it.
    public private(set) var lastError: String?
    /// squeue calls made, for the benchmark.
    public private(set) var polls = 0
    /// How polls read the queue, decided at the first poll (SlurmQueueFormat).
    public private(set) var format: SlurmQueueFormat?
    /// Whether `scontrol --json` is worth trying (until one says it has no such option).
    private var scontrolJSON = true

    public init(client: SlurmClient = SlurmClient(), shortest: Duration = .milliseconds(500),
                longest: Duration = .seconds(30)) {
        self.client = client; self.shortest = shortest; self.longest = longest; self.interval = shortest
    }

    /// How long a waiter sleeps before it asks again.
    public var pollInterval: Duration { interval }

    /// Jobs submitted since a poll began, by the poll count then: a poll that started before
    /// sbatch returned cannot list them, and must not make them look ended.
    private var fresh: [String: Int] = [:]

    /// A new job was submitted as `identity`: it counts as queued until a later poll says
    /// otherwise, and the next poll comes soon, since it may end quickly.
    public func noteSubmitted(_ submitted: [(job: String, identity: SlurmJobIdentity)]) {
        pollSoon()
        for (job, identity) in submitted {
            fresh[job] = polls
            if jobs[job] == nil { jobs[job] = SlurmListedJob(state: .pending(reason: "submitted"), identity: identity) }
        }
    }

    /// The state of `job`, or nil when squeue does not list it (it has ended). When squeue
    /// fails the last good answer stands: a controller that is briefly unreachable must not
    /// make running jobs look ended. Only for jobs whose id cannot have been reused (the probe
    /// just submitted); registered jobs are asked for with their identity.
    public func state(of job: String, fresh: Bool = false) async -> SlurmJobState? {
        if fresh { takenAt = nil }
        await refreshIfStale()
        return jobs[job]?.state
    }

    /// The state of `job` if squeue lists it as the submission `identity`; nil when it has
    /// ended or its id names another job now (ids restart after a controller's fresh start).
    public func state(of job: String, as identity: SlurmJobIdentity, fresh: Bool = false) async -> SlurmJobState? {
        if fresh { takenAt = nil }
        await refreshIfStale()
        return jobs.state(of: job, as: identity)
    }

    /// Suspends until a poll lists `job` as `identity` in a state other than `last` (nil:
    /// no longer listed), or `squeue` starts failing with a new message (`lastError`), or
    /// `limit` has passed; returns the job's state as the last poll gave it.
    ///
    /// The queue polls for as long as anyone waits (`drive`), and wakes only the waiters whose
    /// job changed: a head following a thousand array tasks that each slept and asked again
    /// after every poll spent most of its CPU waking them. Throws CancellationError when the
    /// waiting task is cancelled.
    public func next(of job: String, as identity: SlurmJobIdentity, after last: SlurmJobState?,
                     within limit: Duration? = nil) async throws -> SlurmJobState? {
        let now = jobs.state(of: job, as: identity)
        if now != last { return now }
        try Task.checkCancellation()
        let id = nextWaiter
        nextWaiter += 1
        let waiter = Waiter(job: job, identity: identity, last: last, error: lastError,
                            deadline: limit.map { ContinuousClock.now + $0 })
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<SlurmJobState?, any Error>) in
                // Cancelled before this ran: the handler's task below finds no waiter.
                if Task.isCancelled { return c.resume(throwing: CancellationError()) }
                waiter.continuation = c
                waiters[id] = waiter
                if driver == nil { driver = Task { await self.drive() } }
                if let d = waiter.deadline { wake(by: d + Self.deadlineSlack / 2) }
            }
        } onCancel: {
            Task { await self.resume(id, throwing: CancellationError()) }
        }
    }

    /// A class: each poll looks at every waiter, and copying a struct of strings and a
    /// continuation for each was most of that look's cost.
    private final class Waiter {
        var job: String
        var identity: SlurmJobIdentity
        var last: SlurmJobState?
        var error: String?
        var deadline: ContinuousClock.Instant?
        var continuation: CheckedContinuation<SlurmJobState?, any Error>?

        init(job: String, identity: SlurmJobIdentity, last: SlurmJobState?, error: String?, deadline: ContinuousClock.Instant?) {
            self.job = job; self.identity = identity; self.last = last; self.error = error; self.deadline = deadline
        }
    }

    private var waiters: [UInt64: Waiter] = [:]
    private var nextWaiter: UInt64 = 0
    private var driver: Task<Void, Never>?
    /// The driver's sleep and when it ends: cut short when a poll or a waiter's limit falls
    /// due sooner (a job just submitted; a waiter with a short limit).
    private var sleeper: (until: ContinuousClock.Instant, task: Task<Void, any Error>)?
    /// When the last poll began, failed or not: the driver's polls are `interval` apart even
    /// while squeue fails (`takenAt` counts only good ones).
    private var attemptedAt: ContinuousClock.Instant?

    /// When the last poll ended, failed or not.
    private var endedAt: ContinuousClock.Instant?

    /// When the driver polls next: `interval` after the last poll began, and at least half of
    /// it after that poll ended (a squeue slower than the interval is not asked back to back).
    private var nextPollDue: ContinuousClock.Instant {
        guard let began = attemptedAt, let ended = endedAt else { return .now }
        return max(began + interval, ended + interval / 2)
    }

    /// Something may change soon (a job just submitted, one squeue stopped listing still
    /// there): the next poll comes after the shortest interval, and a sleeping driver is woken
    /// for it.
    private func pollSoon() {
        interval = shortest
        wake(by: nextPollDue)
    }

    /// Wakes the driver early if it sleeps past `instant`.
    private func wake(by instant: ContinuousClock.Instant) {
        if let s = sleeper, s.until > instant { s.task.cancel() }
    }

    /// How late a waiter's `limit` may be honoured, so that waiters whose limits fall close
    /// together are woken by one pass rather than one pass each.
    private static let deadlineSlack: Duration = .milliseconds(500)

    /// Polls while anyone waits: sleeps until the next poll is due (or the nearest waiter's
    /// limit), polls (`refresh` wakes the waiters whose job changed), wakes those whose limit
    /// has passed.
    private func drive() async {
        while !waiters.isEmpty {
            let due = nextPollDue
            let nearest = waiters.values.lazy.compactMap(\.deadline).min()
            let until = nearest.map { min($0 + Self.deadlineSlack / 2, due) } ?? due
            if until > .now {
                let sleep = Task { try await Task.sleep(until: until, clock: .continuous) }
                sleeper = (until, sleep)
                _ = await sleep.result
                sleeper = nil
            }
            if ContinuousClock.now >= nextPollDue { await poll() }
            let late = ContinuousClock.now + Self.deadlineSlack / 2
            for (id, w) in waiters where w.deadline.map({ $0 <= late }) ?? false {
                resume(id, with: jobs.state(of: w.job, as: w.identity))
            }
            // Each pass gives the actor up at least once, whatever the clock said above.
            await Task.yield()
        }
        driver = nil
    }

    /// After a poll: wakes each waiter whose job's state changed, and all of them when squeue
    /// fails with a message they have not seen.
    private func wakeChanged() {
        guard !waiters.isEmpty else { return }
        for (id, w) in waiters {
            let state = jobs.state(of: w.job, as: w.identity)
            if state != w.last || (lastError != nil && lastError != w.error) { resume(id, with: state) }
        }
    }

    private func resume(_ id: UInt64, with state: SlurmJobState?) {
        waiters.removeValue(forKey: id)?.continuation?.resume(returning: state)
    }

    private func resume(_ id: UInt64, throwing error: any Error) {
        waiters.removeValue(forKey: id)?.continuation?.resume(throwing: error)
    }

    /// Every listed job of this user.
    public func snapshot() async -> [String: SlurmListedJob] {
        await refreshIfStale()
        return jobs
    }

    /// Polls now, whatever the last poll's age: for decisions that must see jobs another
    /// head submitted a moment ago.
    public func refreshNow() async {
        takenAt = nil
        await refreshIfStale()
    }

    private func refreshIfStale() async {
        if let t = takenAt, ContinuousClock.now - t < interval / 2 { return }
        await poll()
    }

    /// Polls now, or waits for the poll under way; then wakes the waiters whose job changed.
    ///
    /// The poll's task clears `refreshing` itself: were that left to the caller that started
    /// it, another caller finding the poll finished (awaiting a finished task does not give the
    /// actor up) could ask again and again before that caller ever ran.
    private func poll() async {
        if let r = refreshing { await r.value; return }
        let task = Task {
            await self.refresh()
            self.refreshing = nil
            self.endedAt = .now
            self.wakeChanged()
        }
        refreshing = task
        await task.value
    }

    /// squeue's fields, each ended by a unit separator (no job name, path or reason holds
    /// one): the id as sbatch --parsable printed it (`A_i` for a task of array A: `JobID`
    /// would print each task's own number), the state, the reason, the job name and the
    /// `--output` path, unpadded. Polled with `--array`, so pending tasks are listed one a line
    /// rather than as one `A_[3-99%5]`.
    static let format = ["JobArrayID", "State", "Reason", "Name", "STDOUT"].map { $0 + ":\u{1F}" }.joined(separator: ",")

    private func refresh() async {
        let poll = polls
        polls += 1
        let began = Date()
        attemptedAt = .now
        if format == nil {
            let (chosen, why) = await SlurmQueueFormat.detect(client)
            format = chosen
            debug("squeue format: \(chosen.rawValue) (\(why))")
        }
        do {
            var now: [String: SlurmListedJob]
            if format == .json {
                let out = try await client.run("squeue", ["--json", "--me"])
                guard out.succeeded else {
                    lastError = "squeue --json failed: " + out.message
                    interval = min(interval * 2, longest)
                    return
                }
                guard let jobs = SlurmJSON.jobs(out.stdout, user: getuid()) else {
                    // Not a job list after all: the text columns work everywhere.
                    debug("squeue --json printed no job list; polling with text from now on")
                    format = .text
                    polls -= 1
                    return await refresh()
                }
                now = jobs
            } else {
                let out = try await client.run("squeue", ["--me", "--array", "--noheader", "--Format=" + Self.format])
                guard out.succeeded else {
                    lastError = "squeue failed: " + out.message
                    interval = min(interval * 2, longest)
                    return
                }
                now = Self.parse(out.stdout)
            }
            debug("squeue poll \(poll) (\(format?.rawValue ?? "text")): \(now.count) jobs listed, \(now.values.filter { $0.state == .running }.count) running")
            for (job, at) in fresh {
                if now[job] != nil || at < poll { fresh[job] = nil } else { now[job] = jobs[job] }
            }
            interval = now == jobs ? min(interval * 3 / 2, longest) : shortest
            jobs = now
            lastError = nil
            takenAt = .now
            listedAt = began
        } catch {
            lastError = "\(error)"
            interval = min(interval * 2, longest)
        }
    }

    /// Asks the controller about one job that squeue stopped listing: true unless it says the
    /// job is still pending, running or being requeued, as the submission `identity`. Called
    /// once per job that ended without a record, so a job briefly missing from squeue is not
    /// taken for a failure and run twice.
    public func hasEnded(_ job: String, as identity: SlurmJobIdentity) async -> Bool {
        if format == .json && scontrolJSON {
            // `scontrol --json` came with Slurm 23.02; an older one rejects the option.
            if let out = try? await client.run("scontrol", ["--json", "show", "job", job]) {
                if out.succeeded, let jobs = SlurmJSON.jobs(out.stdout, user: getuid()) {
                    guard let listed = jobs[job], listed.identity == identity else {
                        debug("scontrol --json: job \(job) has ended or is another submission now")
                        return true
                    }
                    debug("scontrol --json: job \(job) is \(listed.state.text)")
                    pollSoon()
                    return false
                }
                // An id the controller no longer knows fails here too; only a rejected option
                // means the format is missing.
                if !out.succeeded && !(out.stderr.contains("unrecognized option") || out.stderr.contains("invalid option")) { return true }
            }
            debug("scontrol has no --json here; asking with text")
            scontrolJSON = false
        }
        guard let out = try? await client.run("scontrol", ["show", "job", "-o", job]) else { return true }
        // An id the controller no longer knows (past MinJobAge) has ended long ago.
        guard out.succeeded, let range = out.stdout.range(of: "JobState=") else { return true }
        let state = out.stdout[range.upperBound...].prefix { $0.isLetter || $0 == "_" }
        // `-o` prints one line of space-separated KEY=VALUE: a value is known by what follows it.
        let line = out.stdout.trimmingCharacters(in: .newlines) + " "
        guard line.contains(" JobName=\(identity.name) "), line.contains(" StdOut=\(identity.log) ") else {
            debug("scontrol: job \(job) is another submission now (\(state))")
            return true
        }
        let listed = Self.parse("\(job)\u{1F}\(state)\u{1F}\u{1F}\(identity.name)\u{1F}\(identity.log)\u{1F}")
        debug("scontrol: job \(job) is \(state)")
        if listed[job] == nil { return true }
        pollSoon()
        return false
    }

    /// `XGRAPH_DEBUG_SLURM=1`: one stderr line per squeue poll and scontrol check.
    private static let debugging = ProcessInfo.processInfo.environment["XGRAPH_DEBUG_SLURM"].map { !$0.isEmpty && $0 != "0" } ?? false
    private func debug(_ line: @autoclosure () -> String) {
        if Self.debugging { Console.err("xgraph: \(line())\n") }
    }

    /// squeue's text columns (`format`), one job per line.
    ///
    /// Read as bytes, once per poll and line: a head following a thousand array tasks parses a
    /// thousand lines a poll, nearly all with the same job name and output pattern, so those
    /// are made into strings once per poll (`seen`), not once per line.
    public static func parse(_ text: String) -> [String: SlurmListedJob] {
        var jobs: [String: SlurmListedJob] = [:]
        var seen: [ArraySlice<UInt8>: String] = [:]
        func string(_ bytes: ArraySlice<UInt8>) -> String {
            if let s = seen[bytes] { return s }
            let s = String(decoding: bytes, as: UTF8.self)
            if seen.count < 64 { seen[bytes] = s }
            return s
        }
        let bytes = Array(text.utf8)
        for line in bytes.split(separator: 0x0A) {
            let f = line.split(separator: 0x1F, omittingEmptySubsequences: false)
            guard f.count >= 5, !f[0].isEmpty else { continue }
            let id = String(decoding: f[0], as: UTF8.self)
            let state = String(decoding: f[1], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            let identity = SlurmJobIdentity(name: string(f[3]), log: taskOutput(string(f[4]), id: id))
            if let listed = listed(state: state, reason: string(f[2]), identity: identity) {
                jobs[id] = listed
            }
        }
        return jobs
    }

    /// The `--output` path of job `id` as scontrol prints it: squeue prints an array's pattern
    /// (`DIR/%a`) for each task, scontrol the task's own file (`DIR/7`); an array's tasks are
    /// told apart by that file.
    static func taskOutput(_ pattern: String, id: String) -> String {
        guard let sep = id.utf8.firstIndex(of: UInt8(ascii: "_")) else { return pattern }
        let task = id[id.utf8.index(after: sep)...]
        guard !task.isEmpty, task.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return pattern }
        // xgraph's own arrays end in `/%a`; this runs once per listed task and poll.
        if pattern.hasSuffix("/%a") { return String(pattern.dropLast(2) + task) }
        guard pattern.contains("%a") else { return pattern }
        return pattern.replacingOccurrences(of: "%a", with: String(task))
    }

    /// A job in state `state` (Slurm's name) as a waiter sees it; nil for one that has ended.
    static func listed(state: String, reason: String, identity: SlurmJobIdentity) -> SlurmListedJob? {
        switch state {
        case "PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED": return .init(state: .pending(reason: reason), identity: identity)
        case "RUNNING", "CONFIGURING", "COMPLETING", "RESIZING", "SIGNALING", "STAGE_OUT": return .init(state: .running, identity: identity)
        // Listed for a while after the end: ended all the same. PREEMPTED and NODE_FAIL are
        // not among them: Slurm may requeue such a job, and a waiter that took it for ended
        // would submit the node a second time.
        case "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE",
             "SPECIAL_EXIT", "REVOKED": return nil
        default: return .init(state: .other(state), identity: identity)
        }
    }
}
