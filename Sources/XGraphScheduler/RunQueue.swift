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
}

/// The ready queue: highest longest-remaining-path first, ties by id. A task that does not
/// fit does not block the ones behind it (small jobs fill gaps left by big GPU jobs); a task
/// passed over `starvationLimit` times gets a reservation, honoured by every other task
/// until it starts. One reservation at a time: the highest-priority starving task.
struct RunQueue {
    private(set) var entries: [QueuedTask] = []
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
    }

    /// Starts what fits, in priority order, up to `slots` tasks. Returns the started tasks
    /// and the id of a task that newly got a reservation, if any.
    mutating func takeStartable(from pool: inout ResourcePool, slots: Int) -> (started: [(String, Allocation)], newlyReserved: String?) {
        var started: [(String, Allocation)] = []
        var newlyReserved: String?
        var kept: [QueuedTask] = []
        kept.reserveCapacity(entries.count)
        var reserved = reservedID.flatMap { id in entries.first { $0.id == id } }
        var slotsLeft = slots
        for (position, entry) in entries.enumerated() {
            if slotsLeft <= 0 { kept.append(contentsOf: entries[position...]); break }
            let isReserved = entry.id == reserved?.id
            if !isReserved, let r = reserved {
                // The reserved task needs a job slot too.
                guard slotsLeft > 1, pool.leavesRoom(for: r, ifStarting: entry) else { kept.append(entry); continue }
            }
            guard let allocation = pool.tryAcquire(entry.resources, mutex: entry.mutex, group: entry.group) else {
                kept.append(entry); continue
            }
            started.append((entry.id, allocation))
            slotsLeft -= 1
            if isReserved { reserved = nil; reservedID = nil }
            for k in kept.indices { kept[k].passedOver += 1 }
            if reserved == nil, let starving = kept.first(where: { $0.passedOver >= starvationLimit }) {
                reserved = starving; reservedID = starving.id; newlyReserved = starving.id
            }
        }
        entries = kept
        return (started, newlyReserved)
    }

    /// Empties the queue (on stop or cancel), returning what was waiting.
    mutating func drain() -> [String] {
        defer { entries = []; reservedID = nil }
        return entries.map(\.id)
    }

    private static func before(_ a: QueuedTask, _ b: QueuedTask) -> Bool {
        a.priority != b.priority ? a.priority > b.priority : a.id < b.id
    }
}
