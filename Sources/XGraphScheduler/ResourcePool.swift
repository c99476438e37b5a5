import XGraphCore

/// The machine's capacity, ninja-style: pools with a depth limit are our GPU slots.
///
/// GPUs are handed out by id (lowest position in `gpuIDs` first) so each job gets its own
/// devices through CUDA_VISIBLE_DEVICES; CPU slots and memory are counted; a mutex name is
/// held by at most one task; a concurrency group runs at most `limits[group]` tasks at once
/// (a group without a limit is unlimited).
public struct ResourcePool: Sendable {
    public let gpuIDs: [Int]
    public let cpus: Int
    public let memMB: Int
    public let limits: [String: Int]

    /// Free ids, kept in pool order so allocations are deterministic.
    public private(set) var freeGPUs: [Int]
    public private(set) var freeCPUs: Int
    public private(set) var freeMemMB: Int
    private var heldMutex: Set<String> = []
    private var groupCounts: [String: Int] = [:]
    private let gpuPosition: [Int: Int]

    public init(gpuIDs: [Int], cpus: Int, memMB: Int, limits: [String: Int] = [:]) {
        var seen = Set<Int>()
        let ids = gpuIDs.filter { seen.insert($0).inserted }
        self.gpuIDs = ids; self.cpus = max(0, cpus); self.memMB = max(0, memMB); self.limits = limits
        freeGPUs = ids; freeCPUs = self.cpus; freeMemMB = self.memMB
        gpuPosition = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
    }

    /// False when the request exceeds the whole machine (or its group's limit is zero):
    /// waiting would never help, so callers report it at plan time instead of hanging.
    public func canEverFit(_ r: Resources) -> Bool {
        r.gpus <= gpuIDs.count && r.cpus <= cpus && r.memMB <= memMB
    }

    /// Like `canEverFit`, also checking that the group's limit admits at least one task.
    public func canEverFit(_ r: Resources, group: String?) -> Bool {
        guard canEverFit(r) else { return false }
        if let g = group, let limit = limits[g], limit < 1 { return false }
        return true
    }

    /// Takes the resources if all of them are free now; nil otherwise (nothing is taken).
    public mutating func tryAcquire(_ r: Resources, mutex: [String], group: String?) -> Allocation? {
        let names = Self.unique(mutex)
        guard fitsNow(r, mutex: names, group: group) else { return nil }
        let gpus = Array(freeGPUs.prefix(max(0, r.gpus)))
        freeGPUs.removeFirst(gpus.count)
        freeCPUs -= max(0, r.cpus)
        freeMemMB -= max(0, r.memMB)
        heldMutex.formUnion(names)
        if let g = group { groupCounts[g, default: 0] += 1 }
        return Allocation(gpuIDs: gpus, cpus: max(0, r.cpus), memMB: max(0, r.memMB), mutex: names, group: group)
    }

    public mutating func release(_ a: Allocation) {
        freeGPUs.append(contentsOf: a.gpuIDs)
        freeGPUs.sort { (gpuPosition[$0] ?? Int.max) < (gpuPosition[$1] ?? Int.max) }
        freeCPUs += a.cpus
        freeMemMB += a.memMB
        heldMutex.subtract(a.mutex)
        if let g = a.group, let c = groupCounts[g] { groupCounts[g] = c > 1 ? c - 1 : nil }
    }

    /// How many tasks of `group` hold resources now.
    public func running(inGroup group: String) -> Int { groupCounts[group] ?? 0 }

    public func isHeld(mutex name: String) -> Bool { heldMutex.contains(name) }

    func fitsNow(_ r: Resources, mutex: [String], group: String?) -> Bool {
        guard r.gpus <= freeGPUs.count, r.cpus <= freeCPUs, r.memMB <= freeMemMB else { return false }
        guard heldMutex.isDisjoint(with: mutex) else { return false }
        if let g = group, let limit = limits[g], (groupCounts[g] ?? 0) >= limit { return false }
        return true
    }

    /// The reservation rule (see docs/executors.md, "Scheduling"): may `other` start now without
    /// delaying `reserved`? Per kind of resource: where `reserved` already fits, `other` may
    /// only take what leaves it fitting; where it does not fit yet, `other` may take none of it.
    /// So what the reserved task still lacks only ever grows, and it starts once running
    /// tasks end.
    func leavesRoom(for reserved: QueuedTask, ifStarting other: QueuedTask) -> Bool {
        func room(free: Int, need: Int, take: Int) -> Bool {
            free >= need ? free - take >= need : take <= 0
        }
        let r = reserved.resources, o = other.resources
        guard room(free: freeGPUs.count, need: r.gpus, take: o.gpus),
              room(free: freeCPUs, need: r.cpus, take: o.cpus),
              room(free: freeMemMB, need: r.memMB, take: o.memMB) else { return false }
        guard Set(reserved.mutex).isDisjoint(with: other.mutex) else { return false }
        if let g = reserved.group, g == other.group, let limit = limits[g] {
            return (groupCounts[g] ?? 0) + 1 < limit
        }
        return true
    }

    private static func unique(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }
}
