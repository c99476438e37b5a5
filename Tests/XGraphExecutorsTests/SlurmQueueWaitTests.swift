import Foundation
import XCTest
import XGraphExecutors

/// How the head waits on the queue (`SlurmQueue.next`): one poll wakes only the waiters whose
/// job changed, a waiter with a limit wakes when it passes, a cancelled waiter stops waiting,
/// and polls stop once nobody waits. Against a fake `squeue` on PATH that prints a file the
/// test rewrites and counts its calls (found through the client's own search path: PATH stays
/// as it is, or every build started later in this test process would find the stand-in).
final class SlurmQueueWaitTests: XCTestCase {
    /// The fake squeue's folder, the same for the whole test process: the client finds a
    /// program on PATH once per process.
    static let bin: String = {
        let dir = NSTemporaryDirectory() + "xgraph-fake-squeue-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let script = "#!/bin/sh\necho x >> \"$FAKE_SQUEUE_LISTING.calls\"\nsleep \"${FAKE_SQUEUE_DELAY:-0}\"\ncat \"$FAKE_SQUEUE_LISTING\"\n"
        FileManager.default.createFile(atPath: dir + "/squeue", contents: Data(script.utf8), attributes: [.posixPermissions: 0o755])
        return dir
    }()

    /// A client that finds the stand-in `squeue` (and sh, cat, sleep for its script) there.
    static var client: SlurmClient { SlurmClient(searchPath: bin) }

    var listing = ""
    let a = SlurmJobIdentity(name: "xg:a", log: "/s/a.log")
    let b = SlurmJobIdentity(name: "xg:b", log: "/s/b.log")

    override func setUpWithError() throws {
        let dir = NSTemporaryDirectory() + "xgraph-queue-wait-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        listing = dir + "/listing"
        setenv("FAKE_SQUEUE_LISTING", listing, 1)
        setenv("XGRAPH_SLURM_QUEUE", "text", 1)
        try list([("1", "RUNNING", a), ("2", "RUNNING", b)])
    }

    override func tearDown() {
        unsetenv("FAKE_SQUEUE_LISTING")
        unsetenv("FAKE_SQUEUE_DELAY")
        unsetenv("XGRAPH_SLURM_QUEUE")
        if !listing.isEmpty { try? FileManager.default.removeItem(atPath: (listing as NSString).deletingLastPathComponent) }
    }

    /// What the fake squeue prints from now on.
    func list(_ jobs: [(String, String, SlurmJobIdentity)]) throws {
        let text = jobs.map { "\($0.0)\u{1F}\($0.1)\u{1F}None\u{1F}\($0.2.name)\u{1F}\($0.2.log)\u{1F}\n" }.joined()
        try text.write(toFile: listing + ".tmp", atomically: false, encoding: .utf8)
        XCTAssertEqual(rename(listing + ".tmp", listing), 0)
    }

    var calls: Int { ((try? String(contentsOfFile: listing + ".calls", encoding: .utf8)) ?? "").split(separator: "\n").count }

    func testAWaiterWakesWhenItsJobChangesAndNotForAnotherJobs() async throws {
        let queue = SlurmQueue(client: Self.client, shortest: .milliseconds(50), longest: .milliseconds(200))
        let first = await queue.state(of: "1", as: a)
        XCTAssertEqual(first, .running)
        let woken = Wakes()
        let (a, b) = (self.a, self.b)
        let waitA = Task { let s = try await queue.next(of: "1", as: a, after: .running); await woken.add("a"); return s }
        let waitB = Task { let s = try await queue.next(of: "2", as: b, after: .running); await woken.add("b"); return s }
        // Several polls with nothing changed: nobody wakes.
        try await waitForCalls(atLeast: calls + 3)
        let none = await woken.names
        XCTAssertEqual(none, [])
        // Job 2 ends (squeue no longer lists it): only its waiter wakes, with nil.
        try list([("1", "RUNNING", a)])
        let stateB = try await waitB.value
        XCTAssertNil(stateB)
        try await waitForCalls(atLeast: calls + 2)
        let onlyB = await woken.names
        XCTAssertEqual(onlyB, ["b"])
        // Job 1 is listed under another submission's name (its id reused): ended for this waiter.
        try list([("1", "PENDING", b)])
        let stateA = try await waitA.value
        XCTAssertNil(stateA)
    }

    func testAWaiterWithALimitWakesWhenItPassesWithItsJobUnchanged() async throws {
        let queue = SlurmQueue(client: Self.client, shortest: .seconds(30), longest: .seconds(30))
        let first = await queue.state(of: "1", as: a)
        XCTAssertEqual(first, .running)
        let t0 = ContinuousClock.now
        let state = try await queue.next(of: "1", as: a, after: .running, within: .milliseconds(300))
        let waited = ContinuousClock.now - t0
        XCTAssertEqual(state, .running)
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(300))
        // Not a poll's half minute: the limit cut the driver's sleep short.
        XCTAssertLessThan(waited, .seconds(10))
    }

    func testACancelledWaiterStopsWaitingAndPollingStopsWhenNobodyWaits() async throws {
        let queue = SlurmQueue(client: Self.client, shortest: .milliseconds(50), longest: .milliseconds(50))
        let first = await queue.state(of: "1", as: a)
        XCTAssertEqual(first, .running)
        let a = self.a
        let waiting = Task { try await queue.next(of: "1", as: a, after: .running) }
        try await waitForCalls(atLeast: calls + 2)
        waiting.cancel()
        do {
            _ = try await waiting.value
            XCTFail("a cancelled waiter returned")
        } catch is CancellationError {}
        try await Task.sleep(for: .milliseconds(200))
        let after = calls
        try await Task.sleep(for: .milliseconds(500))
        XCTAssertEqual(calls, after, "squeue polled with nobody waiting")
    }

    func testAWaiterWhoseJobAlreadyChangedReturnsAtOnce() async throws {
        let queue = SlurmQueue(client: Self.client, shortest: .seconds(30), longest: .seconds(30))
        let first = await queue.state(of: "1", as: a)
        XCTAssertEqual(first, .running)
        let before = calls
        let state = try await queue.next(of: "1", as: a, after: .pending(reason: "Priority"))
        XCTAssertEqual(state, .running)
        XCTAssertEqual(calls, before)
    }

    func testAFailingSqueueWakesWaitersOnceWithItsMessageAndIsNotAskedInABusyLoop() async throws {
        let queue = SlurmQueue(client: Self.client, shortest: .milliseconds(100), longest: .milliseconds(400))
        let first = await queue.state(of: "1", as: a)
        XCTAssertEqual(first, .running)
        // The fake's listing is gone: cat fails, so squeue exits non-zero.
        try FileManager.default.removeItem(atPath: listing)
        let state = try await queue.next(of: "1", as: a, after: .running)
        XCTAssertEqual(state, .running, "a failing squeue keeps the last good answer")
        let error = await queue.lastError
        XCTAssertNotNil(error)
        // Waiting again with that message seen: no wake for it, and polls back off
        // (100, 200, 400, 400 ms…), not one squeue after another.
        let before = calls
        let a = self.a
        let again = Task { try await queue.next(of: "1", as: a, after: .running) }
        try await Task.sleep(for: .milliseconds(1200))
        XCTAssertLessThanOrEqual(calls - before, 5)
        again.cancel()
        _ = try? await again.value
    }

    func testAWaiterStillWakesWhileOthersAskTheQueueThemselves() async throws {
        // Others polling (a node's first look, status) while the driver waits, with a squeue
        // slower than the interval: the driver must neither spin on their finished poll (it
        // once did, holding the queue so that nothing else could run) nor stop polling.
        setenv("FAKE_SQUEUE_DELAY", "0.2", 1)
        let queue = SlurmQueue(client: Self.client, shortest: .milliseconds(50), longest: .milliseconds(100))
        let first = await queue.state(of: "1", as: a)
        XCTAssertEqual(first, .running)
        let a = self.a
        let waiting = Task { try await queue.next(of: "1", as: a, after: .running) }
        let askers = Task {
            while !Task.isCancelled {
                _ = await queue.state(of: "2", fresh: true)
                try? await Task.sleep(for: .milliseconds(7))
            }
        }
        defer { askers.cancel() }
        try await Task.sleep(for: .seconds(2))
        try list([("1", "PENDING", a)])
        let deadline = Task { try await Task.sleep(for: .seconds(10)); waiting.cancel() }
        defer { deadline.cancel() }
        let state = try await waiting.value
        XCTAssertEqual(state, .pending(reason: "None"))
    }

    /// Waits until the fake squeue was called `n` times (a few seconds at most).
    func waitForCalls(atLeast n: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while calls < n {
            guard ContinuousClock.now < deadline else { return XCTFail("squeue was called \(calls) times, not \(n)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

private actor Wakes {
    var names: [String] = []
    func add(_ name: String) { names.append(name) }
}
