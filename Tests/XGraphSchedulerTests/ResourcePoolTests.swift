import XCTest
import XGraphCore
import XGraphScheduler

final class ResourcePoolTests: XCTestCase {
    func testCanEverFitIsFalseForMoreGPUsThanThePoolHas() {
        let pool = ResourcePool(gpuIDs: [0, 1, 2, 3], cpus: 16, memMB: 64_000)
        XCTAssertTrue(pool.canEverFit(Resources(gpus: 4)))
        XCTAssertFalse(pool.canEverFit(Resources(gpus: 5)))
        XCTAssertFalse(pool.canEverFit(Resources(cpus: 17)))
        XCTAssertFalse(pool.canEverFit(Resources(memMB: 64_001)))
        let limited = ResourcePool(gpuIDs: [], cpus: 4, memMB: 0, limits: ["off": 0])
        XCTAssertFalse(limited.canEverFit(Resources(), group: "off"))
    }

    func testAcquireHandsOutDisjointGPUIDsAndReleaseReturnsThem() {
        var pool = ResourcePool(gpuIDs: [0, 2, 3, 5], cpus: 8, memMB: 1000)
        let a = pool.tryAcquire(Resources(gpus: 2, cpus: 1), mutex: [], group: nil)
        let b = pool.tryAcquire(Resources(gpus: 2, cpus: 1), mutex: [], group: nil)
        XCTAssertEqual(a?.gpuIDs, [0, 2])
        XCTAssertEqual(b?.gpuIDs, [3, 5])
        XCTAssertNil(pool.tryAcquire(Resources(gpus: 1), mutex: [], group: nil))
        pool.release(a!)
        XCTAssertEqual(pool.tryAcquire(Resources(gpus: 1), mutex: [], group: nil)?.gpuIDs, [0])
    }

    func testCPUsMemoryMutexAndGroupLimitsAreEnforced() {
        var pool = ResourcePool(gpuIDs: [], cpus: 4, memMB: 1000, limits: ["eval": 1])
        let big = pool.tryAcquire(Resources(cpus: 3, memMB: 600), mutex: [], group: nil)!
        XCTAssertNil(pool.tryAcquire(Resources(cpus: 2), mutex: [], group: nil), "cpus")
        XCTAssertNil(pool.tryAcquire(Resources(cpus: 1, memMB: 500), mutex: [], group: nil), "memory")
        pool.release(big)
        let m = pool.tryAcquire(Resources(), mutex: ["db"], group: nil)!
        XCTAssertNil(pool.tryAcquire(Resources(), mutex: ["other", "db"], group: nil), "mutex")
        let e = pool.tryAcquire(Resources(), mutex: [], group: "eval")!
        XCTAssertNil(pool.tryAcquire(Resources(), mutex: [], group: "eval"), "group limit")
        pool.release(m); pool.release(e)
        XCTAssertNotNil(pool.tryAcquire(Resources(), mutex: ["db"], group: "eval"))
    }
}

final class CriticalPathTests: XCTestCase {
    func testPriorityIsTheLongestRemainingPath() {
        let tasks = [
            SchedTask(id: "pretrain", duration: 100),
            SchedTask(id: "finetune", deps: ["pretrain"], duration: 30),
            SchedTask(id: "eval", deps: ["finetune"], duration: 5),
            SchedTask(id: "probe", deps: ["pretrain"], duration: 10),
            SchedTask(id: "alone", duration: 50),
        ]
        let p = CriticalPath.priorities(tasks)
        XCTAssertEqual(p["eval"], 5)
        XCTAssertEqual(p["finetune"], 35)
        XCTAssertEqual(p["probe"], 10)
        XCTAssertEqual(p["pretrain"], 135)
        XCTAssertEqual(p["alone"], 50)
    }

    func testCycleDoesNotHang() {
        let p = CriticalPath.priorities([SchedTask(id: "a", deps: ["b"], duration: 2),
                                         SchedTask(id: "b", deps: ["a"], duration: 3)])
        XCTAssertEqual(p.count, 2)
    }
}
