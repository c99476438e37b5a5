import Foundation
import XGraphScheduler

/// A delegate that records everything and lets a test script each task:
/// what `prepare` answers, whether `execute` succeeds, and what it waits for first.
final class FakeDelegate: SchedulerDelegate, @unchecked Sendable {
    struct Interval { let task: String; let allocation: Allocation; let start: Int; let end: Int }

    private let lock = NSLock()
    private var clock = 0
    private var _events: [SchedulerEvent] = []
    private var _intervals: [Interval] = []
    private var openStarts: [String: (Allocation, Int)] = [:]
    private var _prepared: [String] = []

    var preparation: [String: Preparation] = [:]
    var failing: Set<String> = []
    /// Before `execute` returns for a task, this runs (e.g. wait for another event).
    var beforeFinishing: [String: @Sendable (FakeDelegate) async -> Void] = [:]
    /// Before `prepare` answers for a task, this runs.
    var beforePreparing: [String: @Sendable (FakeDelegate) async -> Void] = [:]

    var events: [SchedulerEvent] { lock.withLock { _events } }
    var intervals: [Interval] { lock.withLock { _intervals } }
    var startOrder: [String] {
        events.compactMap { if case .started(let id, _) = $0 { return id } else { return nil } }
    }
    var prepared: [String] { lock.withLock { _prepared } }

    func prepare(_ task: String) async -> Preparation {
        if let hook = beforePreparing[task] { await hook(self) }
        lock.withLock { _prepared.append(task) }
        return preparation[task] ?? .run
    }

    func execute(_ task: String, allocation: Allocation) async -> Bool {
        lock.withLock { clock += 1; openStarts[task] = (allocation, clock) }
        try? await Task.sleep(for: .milliseconds(2))
        if let hook = beforeFinishing[task] { await hook(self) }
        lock.withLock {
            clock += 1
            let (a, s) = openStarts.removeValue(forKey: task)!
            _intervals.append(Interval(task: task, allocation: a, start: s, end: clock))
        }
        return !failing.contains(task) && !Task.isCancelled
    }

    func event(_ e: SchedulerEvent) async { lock.withLock { _events.append(e) } }

    /// Polls until `condition` holds (or about 5 s pass, so a broken scheduler fails the
    /// test instead of hanging it). Returns whether it held.
    @discardableResult
    func wait(until condition: @Sendable (FakeDelegate) -> Bool) async -> Bool {
        for _ in 0..<1000 {
            if condition(self) { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return condition(self)
    }

    func saw(_ e: SchedulerEvent) -> Bool { events.contains(e) }
    func started(_ id: String) -> Bool { startOrder.contains(id) }
    func finished(_ id: String) -> Bool {
        events.contains { if case .finished(id, _) = $0 { return true } else { return false } }
    }
}

/// Pairs of intervals that overlapped in time (by the delegate's logical clock).
func overlapping(_ xs: [FakeDelegate.Interval]) -> [(FakeDelegate.Interval, FakeDelegate.Interval)] {
    var pairs: [(FakeDelegate.Interval, FakeDelegate.Interval)] = []
    for i in xs.indices { for j in xs.indices where j > i {
        if xs[i].start < xs[j].end && xs[j].start < xs[i].end { pairs.append((xs[i], xs[j])) }
    } }
    return pairs
}
