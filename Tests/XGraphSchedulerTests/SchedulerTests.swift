import XCTest
import XGraphCore
import XGraphScheduler

final class SchedulerTests: XCTestCase {
    private func gpuTask(_ id: String, gpus: Int, deps: [String] = [], duration: Double = 1) -> SchedTask {
        SchedTask(id: id, deps: deps, resources: Resources(gpus: gpus, cpus: 1), duration: duration)
    }

    func testGPUIDsAreDisjointAtEveryInstantAndNeverExceedThePool() async {
        let pool = ResourcePool(gpuIDs: [0, 1, 2, 3], cpus: 64, memMB: 0)
        var tasks: [SchedTask] = []
        for i in 0..<24 { tasks.append(gpuTask("t\(i)", gpus: [1, 2, 3, 1, 4, 2][i % 6])) }
        let d = FakeDelegate()
        let outcome = await Scheduler(pool: pool).run(tasks, delegate: d)
        XCTAssertEqual(outcome.succeeded.count, 24)
        XCTAssertTrue(outcome.allSucceeded)
        let intervals = d.intervals
        for iv in intervals {
            XCTAssertEqual(iv.allocation.gpuIDs.count, tasks.first { $0.id == iv.task }!.resources.gpus)
            XCTAssertTrue(Set(iv.allocation.gpuIDs).isSubset(of: [0, 1, 2, 3]))
        }
        for (a, b) in overlapping(intervals) {
            XCTAssertTrue(Set(a.allocation.gpuIDs).isDisjoint(with: b.allocation.gpuIDs), "\(a.task) and \(b.task) share a GPU")
        }
        XCTAssertFalse(overlapping(intervals).isEmpty, "tasks should have run concurrently")
    }

    func testCPUAndMemoryLimitsAreRespected() async {
        let pool = ResourcePool(gpuIDs: [], cpus: 4, memMB: 1000)
        let tasks = (0..<12).map { SchedTask(id: "c\($0)", resources: Resources(cpus: $0 % 2 == 0 ? 2 : 1, memMB: 400)) }
        let d = FakeDelegate()
        let outcome = await Scheduler(pool: pool).run(tasks, delegate: d)
        XCTAssertEqual(outcome.succeeded.count, 12)
        let intervals = d.intervals
        for iv in intervals {
            let concurrent = intervals.filter { $0.start <= iv.start && iv.start < $0.end }
            XCTAssertLessThanOrEqual(concurrent.map(\.allocation.cpus).reduce(0, +), 4)
            XCTAssertLessThanOrEqual(concurrent.map(\.allocation.memMB).reduce(0, +), 1000)
        }
    }

    func testMutexSerializesTasks() async {
        let pool = ResourcePool(gpuIDs: [], cpus: 8, memMB: 0)
        let tasks = (0..<6).map { SchedTask(id: "m\($0)", mutex: ["results.db"]) }
            + [SchedTask(id: "free")]
        let d = FakeDelegate()
        let outcome = await Scheduler(pool: pool).run(tasks, delegate: d)
        XCTAssertEqual(outcome.succeeded.count, 7)
        let locked = d.intervals.filter { $0.task.hasPrefix("m") }
        XCTAssertTrue(overlapping(locked).isEmpty)
    }

    func testGroupLimitCapsConcurrency() async {
        let pool = ResourcePool(gpuIDs: [], cpus: 8, memMB: 0, limits: ["download": 2])
        let tasks = (0..<8).map { SchedTask(id: "d\($0)", group: "download") }
        let d = FakeDelegate()
        _ = await Scheduler(pool: pool).run(tasks, delegate: d)
        for iv in d.intervals {
            XCTAssertLessThanOrEqual(d.intervals.filter { $0.start <= iv.start && iv.start < $0.end }.count, 2)
        }
    }

    func testMaxJobsCapsConcurrency() async {
        let pool = ResourcePool(gpuIDs: [], cpus: 64, memMB: 0)
        let d = FakeDelegate()
        _ = await Scheduler(pool: pool, options: SchedulerOptions(maxJobs: 2))
            .run((0..<8).map { SchedTask(id: "j\($0)") }, delegate: d)
        for iv in d.intervals {
            XCTAssertLessThanOrEqual(d.intervals.filter { $0.start <= iv.start && iv.start < $0.end }.count, 2)
        }
    }

    func testHeadOfLongestChainStartsFirstWhenOneSlotFrees() async {
        // One GPU, held by "warm" until every other root is queued; then the freed GPU must go
        // to the head of the longest chain even though its id sorts last.
        let pool = ResourcePool(gpuIDs: [0], cpus: 8, memMB: 0)
        let tasks = [gpuTask("warm", gpus: 1, duration: 0.1),
                     gpuTask("a", gpus: 1), gpuTask("b", gpus: 1),
                     gpuTask("z1", gpus: 1), gpuTask("z2", gpus: 1, deps: ["z1"]), gpuTask("z3", gpus: 1, deps: ["z2"])]
        let d = FakeDelegate()
        for id in ["a", "b", "z1"] {
            d.beforePreparing[id] = { d in await d.wait { $0.started("warm") } }
        }
        d.beforeFinishing["warm"] = { d in
            await d.wait { d in ["a", "b", "z1"].allSatisfy { d.saw(.queued($0)) } }
        }
        let outcome = await Scheduler(pool: pool).run(tasks, delegate: d)
        XCTAssertTrue(outcome.allSucceeded)
        XCTAssertEqual(Array(d.startOrder.prefix(2)), ["warm", "z1"])
    }

    func testSmallTaskFillsGapWhileBigGPUTaskWaits() async {
        // "big" needs all 4 GPUs and has the higher priority; "running" holds 2. The 1-GPU
        // "small" must start in the gap instead of queueing behind "big".
        let pool = ResourcePool(gpuIDs: [0, 1, 2, 3], cpus: 8, memMB: 0)
        let tasks = [gpuTask("running", gpus: 2, duration: 1),
                     gpuTask("big", gpus: 4, deps: [], duration: 100),
                     gpuTask("small", gpus: 1, duration: 1)]
        let d = FakeDelegate()
        d.beforePreparing["big"] = { d in await d.wait { $0.started("running") } }
        d.beforePreparing["small"] = { d in await d.wait { $0.saw(.queued("big")) } }
        d.beforeFinishing["running"] = { d in await d.wait { $0.finished("small") } }
        let outcome = await Scheduler(pool: pool).run(tasks, delegate: d)
        XCTAssertTrue(outcome.allSucceeded)
        XCTAssertEqual(d.startOrder, ["running", "small", "big"])
        let running = d.intervals.first { $0.task == "running" }!, small = d.intervals.first { $0.task == "small" }!
        XCTAssertLessThan(small.end, running.end, "small ran while big waited for GPUs")
    }

    func testStarvingBigTaskGetsAReservation() async {
        // Two GPUs. "holder" keeps one busy; "big" (2 GPUs, highest priority) waits; a stream
        // of 1-GPU tasks could pass it forever. After `starvationLimit` passes it is reserved,
        // no more small tasks start, and it runs as soon as "holder" ends.
        let pool = ResourcePool(gpuIDs: [0, 1], cpus: 8, memMB: 0)
        let smalls = (0..<8).map { gpuTask("s\($0)", gpus: 1, duration: 1) }
        let tasks = [gpuTask("holder", gpus: 1, duration: 1), gpuTask("big", gpus: 2, duration: 100)] + smalls
        let d = FakeDelegate()
        d.beforePreparing["big"] = { d in await d.wait { $0.started("holder") } }
        for s in smalls { d.beforePreparing[s.id] = { d in await d.wait { $0.saw(.queued("big")) } } }
        // Without a reservation "holder" would keep its GPU until every small task is done.
        d.beforeFinishing["holder"] = { d in
            await d.wait { d in d.saw(.reserved("big")) || smalls.allSatisfy { d.finished($0.id) } }
        }
        let outcome = await Scheduler(pool: pool, options: SchedulerOptions(starvationLimit: 2)).run(tasks, delegate: d)
        XCTAssertTrue(outcome.allSucceeded)
        XCTAssertTrue(d.saw(.reserved("big")))
        let order = d.startOrder
        let smallsBeforeBig = order.prefix { $0 != "big" }.filter { $0.hasPrefix("s") }.count
        XCTAssertEqual(smallsBeforeBig, 2)
    }

    func testFailureWithoutKeepGoingStartsNothingNewAndBlocksDependents() async {
        let pool = ResourcePool(gpuIDs: [], cpus: 1, memMB: 0)
        let tasks = [SchedTask(id: "bad", duration: 10),
                     SchedTask(id: "child", deps: ["bad"]),
                     SchedTask(id: "grandchild", deps: ["child"]),
                     SchedTask(id: "other", duration: 1)]
        let d = FakeDelegate()
        d.failing = ["bad"]
        d.beforePreparing["other"] = { d in await d.wait { $0.started("bad") } }
        let outcome = await Scheduler(pool: pool).run(tasks, delegate: d)
        XCTAssertEqual(outcome.failed, ["bad"])
        XCTAssertEqual(outcome.blocked, ["child": "bad", "grandchild": "bad"])
        XCTAssertEqual(outcome.notStarted, ["other"])
        XCTAssertEqual(d.startOrder, ["bad"])
        XCTAssertFalse(outcome.cancelled)
    }

    func testKeepGoingRunsEverythingNotDependingOnAFailure() async {
        let pool = ResourcePool(gpuIDs: [], cpus: 1, memMB: 0)
        let tasks = [SchedTask(id: "root"),
                     SchedTask(id: "bad", deps: ["root"], duration: 10),
                     SchedTask(id: "child", deps: ["bad"]),
                     SchedTask(id: "grandchild", deps: ["child", "ok"]),
                     SchedTask(id: "ok", deps: ["root"]),
                     SchedTask(id: "cached", deps: ["ok"]),
                     SchedTask(id: "other")]
        let d = FakeDelegate()
        d.failing = ["bad"]
        d.preparation["cached"] = .done(succeeded: true)
        let outcome = await Scheduler(pool: pool, options: SchedulerOptions(keepGoing: true)).run(tasks, delegate: d)
        XCTAssertEqual(outcome.succeeded, ["cached", "ok", "other", "root"])
        XCTAssertEqual(outcome.failed, ["bad"])
        XCTAssertEqual(outcome.blocked, ["child": "bad", "grandchild": "bad"])
        XCTAssertEqual(outcome.notStarted, [])
        XCTAssertFalse(d.started("cached"), "a cached task takes no resources and runs nothing")
        XCTAssertTrue(d.saw(.blocked("grandchild", by: "bad")))
    }

    func testUnschedulableTaskFailsInsteadOfHanging() async {
        let pool = ResourcePool(gpuIDs: [0, 1, 2, 3], cpus: 8, memMB: 0)
        let tasks = [gpuTask("huge", gpus: 5), gpuTask("after", gpus: 1, deps: ["huge"]), gpuTask("fine", gpus: 1)]
        let d = FakeDelegate()
        let outcome = await Scheduler(pool: pool, options: SchedulerOptions(keepGoing: true)).run(tasks, delegate: d)
        XCTAssertEqual(outcome.unschedulable, ["huge"])
        XCTAssertEqual(outcome.failed, ["huge"])
        XCTAssertEqual(outcome.blocked, ["after": "huge"])
        XCTAssertEqual(outcome.succeeded, ["fine"])
    }

    func testUnknownDependencyBlocksInsteadOfHanging() async {
        let d = FakeDelegate()
        let outcome = await Scheduler(pool: ResourcePool(gpuIDs: [], cpus: 1, memMB: 0))
            .run([SchedTask(id: "a", deps: ["ghost"]), SchedTask(id: "b", deps: ["a"])], delegate: d)
        XCTAssertEqual(outcome.blocked, ["a": "ghost", "b": "ghost"])
    }

    func testCancellationStopsStartingAndReportsCancelled() async {
        let pool = ResourcePool(gpuIDs: [], cpus: 1, memMB: 0)
        let tasks = [SchedTask(id: "long", duration: 10), SchedTask(id: "next", duration: 1),
                     SchedTask(id: "child", deps: ["long"])]
        let d = FakeDelegate()
        d.beforePreparing["next"] = { d in await d.wait { $0.started("long") } }
        // "long" runs until it sees the cancellation, like a process being torn down.
        d.beforeFinishing["long"] = { _ in
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }
        }
        let scheduler = Scheduler(pool: pool)
        let run = Task { await scheduler.run(tasks, delegate: d) }
        await d.wait { $0.saw(.queued("next")) }
        run.cancel()
        let outcome = await run.value
        XCTAssertTrue(outcome.cancelled)
        XCTAssertEqual(d.startOrder, ["long"])
        XCTAssertEqual(outcome.interrupted, ["long"])
        XCTAssertEqual(outcome.notStarted, ["child", "next"])
    }
}
