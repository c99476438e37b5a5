import XGraphCore

/// A prepared task waiting for resources.
struct QueuedTask: Sendable {
    let id: String
    let priority: Double
    let resources: Resources
    let mutex: [String]
    let group: String?
    /// How many lower-priority tasks started while this one waited.
    var passedOver = 0

    /// What decides whether the pool can start it: two tasks with the same demand fit or not alike.
    var demand: Demand { Demand(resources: resources, mutex: mutex, group: group) }
}

struct Demand: Hashable {
    let resources: Resources
    let mutex: [String]
    let group: String?
}

/// The ready queue: highest longest-remaining-path first, ties by id. A task that does not
/// fit does not block the ones behind it (small jobs fill gaps left by big GPU jobs); a task
/// passed over `starvationLimit` times gets a reservation, honoured by every other task
/// until it starts. One reservation at a time: the highest-priority starving task.
struct RunQueue {
    private(set) var entries: [QueuedTask] = []
    /// How many entries have each demand (a study has a handful).
    private var demands: [Demand: Int] = [:]
    let starvationLimit: Int
    private(set) var reservedID: String?

    init(starvationLimit: Int) { self.starvationLimit = starvationLimit }

    var isEmpty: Bool { entries.isEmpty }
    var ids: [String] { entries.map(\.id) }

    mutating func insert(_ t: QueuedTask) {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Self.before(entries[mid], t) { lo = mid + 1 } else { hi = mid }
        }
        entries.insert(t, at: lo)
        demands[t.demand, default: 0] += 1
    }

    /// Starts what fits, in priority order, up to `slots` tasks. Returns the started tasks
    /// and the id of a task that newly got a reservation, if any.
    ///
    /// Works in place and looks only as far as it must: the queue of a large study holds tens
    /// of thousands of ready tasks, and copying all of them on every call (after each task
    /// prepared or finished) made the scheduler's cost per node grow with the graph.
    mutating func takeStartable(from pool: inout ResourcePool, slots: Int) -> (started: [(String, Allocation)], newlyReserved: String?) {
        guard slots > 0, !entries.isEmpty else { return ([], nil) }
        var started: [(String, Allocation)] = []
        var startedPositions: [Int] = []
        // Positions looked at and left waiting, in order: each start passes them over.
        var kept: [Int] = []
        var newlyReserved: String?
        var reserved = reservedID.flatMap { id in entries.first { $0.id == id } }
        // Within one call the pool only fills and the slots only shrink, so a demand turned
        // away once is turned away for every later entry: once every demand in the queue has
        // been, nothing behind can start (and nothing behind is passed over), so stop looking.
        var refused: Set<Demand> = []
        var slotsLeft = slots
        var position = 0
        while position < entries.count, slotsLeft > 0, refused.count < demands.count {
            let entry = entries[position]
            position += 1
            let demand = entry.demand
            if refused.contains(demand) { kept.append(position - 1); continue }
            let isReserved = entry.id == reserved?.id
            if !isReserved, let r = reserved {
                // The reserved task needs a job slot too.
                guard slotsLeft > 1, pool.leavesRoom(for: r, ifStarting: entry) else { kept.append(position - 1); continue }
            }
            guard let allocation = pool.tryAcquire(entry.resources, mutex: entry.mutex, group: entry.group) else {
                refused.insert(demand)
                kept.append(position - 1); continue
            }
            started.append((entry.id, allocation))
            startedPositions.append(position - 1)
            slotsLeft -= 1
            if isReserved { reserved = nil; reservedID = nil }
            for k in kept { entries[k].passedOver += 1 }
            if reserved == nil, let starving = kept.first(where: { entries[$0].passedOver >= starvationLimit }) {
                reserved = entries[starving]; reservedID = entries[starving].id; newlyReserved = entries[starving].id
            }
        }
        for p in startedPositions.reversed() {
            let demand = entries.remove(at: p).demand
            if let n = demands[demand], n > 1 { demands[demand] = n - 1 } else { demands[demand] = nil }
        }
        return (started, newlyReserved)
    }

    /// Empties the queue (on stop or cancel), returning what was waiting.
    mutating func drain() -> [String] {
        defer { entries = []; demands = [:]; reservedID = nil }
        return entries.map(\.id)
    }

    private static func before(_ a: QueuedTask, _ b: QueuedTask) -> Bool {
        a.priority != b.priority ? a.priority > b.priority : a.id < b.id
    }
}
