import XGraphCore

/// Everything one scheduler run knows about its tasks (ninja's `State` + `Plan`), owned by
/// the run loop alone, so it needs no locking.
struct RunState {
    enum Status: Equatable {
        case waiting, preparing, queued, running, succeeded, failed, interrupted
        case blocked(by: String)
    }

    private var tasks: [String: SchedTask] = [:]
    private var order: [String] = []
    private var status: [String: Status] = [:]
    private var dependents: [String: [String]] = [:]
    private var pendingDeps: [String: Int] = [:]
    private var priority: [String: Double]
    private var prepareQueue: [String] = []   // sorted: lowest priority last, so popLast is the best
    private var unschedulableIDs: Set<String> = []
    private var starting = true
    var queue: RunQueue
    private(set) var unknownDeps: [(String, String)] = []

    init(tasks list: [SchedTask], starvationLimit: Int) {
        priority = CriticalPath.priorities(list)
        queue = RunQueue(starvationLimit: starvationLimit)
        for t in list {
            precondition(tasks[t.id] == nil, "duplicate task id \(t.id)")
            tasks[t.id] = t; order.append(t.id); status[t.id] = .waiting
        }
        for t in list {
            let deps = Array(Set(t.deps))
            pendingDeps[t.id] = deps.count
            for d in deps.sorted() {
                if tasks[d] == nil { unknownDeps.append((t.id, d)) } else { dependents[d, default: []].append(t.id) }
            }
        }
        for id in order where pendingDeps[id] == 0 { addReady(id) }
    }

    func task(_ id: String) -> SchedTask { tasks[id]! }

    mutating func stopStarting() {
        starting = false
        prepareQueue.removeAll()
        _ = queue.drain()
    }

    mutating func nextToPrepare() -> String? {
        guard starting, let id = prepareQueue.popLast() else { return nil }
        status[id] = .preparing
        return id
    }

    mutating func enqueue(_ id: String) {
        let t = tasks[id]!
        status[id] = .queued
        queue.insert(QueuedTask(id: id, priority: priority[id] ?? 0, resources: t.resources,
                                mutex: t.mutex, group: t.group))
    }

    mutating func markRunning(_ id: String) { status[id] = .running }

    mutating func succeed(_ id: String) {
        status[id] = .succeeded
        for d in dependents[id] ?? [] {
            pendingDeps[d]! -= 1
            if pendingDeps[d] == 0, status[d] == .waiting { addReady(d) }
        }
    }

    mutating func interrupt(_ id: String) { status[id] = .interrupted }

    /// Marks `id` failed and every task depending on it (transitively) blocked by it;
    /// returns the newly blocked ids.
    mutating func fail(_ id: String, unschedulable: Bool = false) -> [String] {
        status[id] = .failed
        if unschedulable { unschedulableIDs.insert(id) }
        return block(dependentsOf: id, by: id)
    }

    /// Blocks `id` itself (an unknown dependency) and its dependents.
    mutating func block(_ id: String, by cause: String) -> [String] {
        guard status[id] == .waiting else { return [] }
        status[id] = .blocked(by: cause)
        return [id] + block(dependentsOf: id, by: cause)
    }

    private mutating func block(dependentsOf root: String, by cause: String) -> [String] {
        var newly: [String] = []
        var stack = dependents[root] ?? []
        while let d = stack.popLast() {
            guard status[d] == .waiting else { continue }
            status[d] = .blocked(by: cause)
            newly.append(d)
            stack.append(contentsOf: dependents[d] ?? [])
        }
        return newly.sorted()
    }

    private mutating func addReady(_ id: String) {
        let p = priority[id] ?? 0
        // Keep ascending by (priority, reversed id) so popLast yields highest priority, lowest id.
        var lo = 0, hi = prepareQueue.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let q = prepareQueue[mid], qp = priority[q] ?? 0
            if qp < p || (qp == p && q > id) { lo = mid + 1 } else { hi = mid }
        }
        prepareQueue.insert(id, at: lo)
    }

    func outcome(cancelled: Bool) -> SchedulerOutcome {
        var o = SchedulerOutcome(cancelled: cancelled)
        for id in order.sorted() {
            switch status[id]! {
            case .succeeded: o.succeeded.append(id)
            case .failed: o.failed.append(id)
            case .interrupted: o.interrupted.append(id)
            case .blocked(let by): o.blocked[id] = by
            case .waiting, .preparing, .queued, .running: o.notStarted.append(id)
            }
        }
        o.unschedulable = unschedulableIDs.sorted()
        return o
    }
}
