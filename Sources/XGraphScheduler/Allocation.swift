/// What one started task holds until it ends: GPU ids (disjoint from every other live
/// allocation), CPU slots, memory, and the mutex names and concurrency group it counts against.
public struct Allocation: Sendable, Hashable {
    public var gpuIDs: [Int]
    public var cpus: Int
    public var memMB: Int
    public var mutex: [String]
    public var group: String?

    public init(gpuIDs: [Int], cpus: Int, memMB: Int, mutex: [String] = [], group: String? = nil) {
        self.gpuIDs = gpuIDs; self.cpus = cpus; self.memMB = memMB
        self.mutex = mutex; self.group = group
    }
}
