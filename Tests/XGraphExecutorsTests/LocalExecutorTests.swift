import Foundation
import XCTest
import XGraphCore
import XGraphExecutors
#if canImport(Glibc)
import Glibc
#endif

final class LocalExecutorTests: ExecutorTestCase {
    private func job(_ command: String, gpus: [Int] = [], env: [String: String] = [:],
                     time: Double? = nil, cwd: String? = nil) -> Job {
        Job(node: "test/node", command: command, environment: env, workingDirectory: cwd ?? dir,
            logPath: dir + "/logs/node.log", resources: Resources(gpus: gpus.count, timeSeconds: time), gpuIDs: gpus)
    }

    /// A pid is gone once kill(pid, 0) fails or it is a zombie waiting for init to reap it.
    private func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        return !stat[close...].hasPrefix(") Z")
    }

    private func eventuallyGone(_ pid: Int32) async -> Bool {
        for _ in 0..<200 {
            if !isAlive(pid) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    private func waitForFile(_ name: String) async -> Bool {
        for _ in 0..<500 {
            if let s = try? read(name), s.hasSuffix("\n") { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    func testExitCodesAreReported() async {
        let exec = LocalExecutor(gracePeriod: 1)
        let ok = await exec.run(job("true"))
        XCTAssertEqual(ok.status, .exited(0))
        XCTAssertTrue(ok.status.succeeded)
        let bad = await exec.run(job("exit 3"))
        XCTAssertEqual(bad.status, .exited(3))
        XCTAssertFalse(bad.status.succeeded)
        let killed = await exec.run(job("kill -USR1 $$"))
        XCTAssertEqual(killed.status, .signaled(SIGUSR1))
        XCTAssertLessThanOrEqual(ok.start, ok.end)
    }

    func testGPUAndJobVariablesAreSetAndInheritedOnesKept() async throws {
        setenv("XGRAPH_TEST_INHERITED", "from-parent", 1)
        let exec = LocalExecutor(gracePeriod: 1)
        let r = await exec.run(job(#"echo "$XGRAPH_GPUS|$CUDA_VISIBLE_DEVICES|$CUDA_DEVICE_ORDER|$MY_VAR|$XGRAPH_TEST_INHERITED" > env.txt"#,
                                   gpus: [1, 3], env: ["MY_VAR": "my value", "CUDA_VISIBLE_DEVICES": "7"]))
        XCTAssertEqual(r.status, .exited(0))
        XCTAssertEqual(try read("env.txt"), "1,3|1,3|PCI_BUS_ID|my value|from-parent\n")
    }

    func testCPUJobGetsAnEmptyCUDAVisibleDevices() async throws {
        setenv("CUDA_VISIBLE_DEVICES", "0,1", 1)
        defer { unsetenv("CUDA_VISIBLE_DEVICES") }
        let r = await LocalExecutor(gracePeriod: 1).run(job(#"echo "${CUDA_VISIBLE_DEVICES+set}:$CUDA_VISIBLE_DEVICES:$XGRAPH_GPUS" > env.txt"#))
        XCTAssertEqual(r.status, .exited(0))
        XCTAssertEqual(try read("env.txt"), "set::\n")
    }

    func testRunsInTheJobsWorkingDirectory() async throws {
        let sub = dir + "/work dir"
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: true)
        let r = await LocalExecutor().run(job("pwd > pwd.txt", cwd: sub))
        XCTAssertEqual(r.status, .exited(0))
        XCTAssertEqual(try String(contentsOfFile: sub + "/pwd.txt", encoding: .utf8), sub + "\n")
    }

    func testOutputAndErrorsAreAppendedToTheLogAcrossRuns() async throws {
        let exec = LocalExecutor()
        _ = await exec.run(job("echo one"))
        _ = await exec.run(job("echo two; echo err >&2; exit 1"))
        XCTAssertEqual(try read("logs/node.log"), "one\ntwo\nerr\n")
    }

    func testMissingWorkingDirectoryIsAFailureExplainedInTheLog() async throws {
        let r = await LocalExecutor().run(job("true", cwd: dir + "/does-not-exist"))
        XCTAssertEqual(r.status, .exited(127))
        XCTAssertTrue(try read("logs/node.log").contains("xgraph: could not start"))
    }

    func testTimeLimitKillsTheWholeProcessGroup() async throws {
        let r = await LocalExecutor(gracePeriod: 1).run(job("sleep 100 & echo $! > bg.pid; sleep 100; wait", time: 0.5))
        XCTAssertEqual(r.status, .timedOut)
        XCTAssertEqual(r.status.code, 124)
        let bg = try XCTUnwrap(Int32(read("bg.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        let gone = await eventuallyGone(bg)
        XCTAssertTrue(gone, "background child \(bg) survived the time limit")
        XCTAssertTrue(try read("logs/node.log").contains("time limit"))
    }

    func testJobIgnoringSIGTERMIsKilledAfterTheGracePeriod() async throws {
        let r = await LocalExecutor(gracePeriod: 0.5).run(job("trap '' TERM; sleep 100 & echo $! > bg.pid; wait", time: 0.3))
        XCTAssertEqual(r.status, .timedOut)
        let bg = try XCTUnwrap(Int32(read("bg.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        let gone = await eventuallyGone(bg)
        XCTAssertTrue(gone)
    }

    func testCancellationStopsTheWholeGroupAndReportsCancelled() async throws {
        let exec = LocalExecutor(gracePeriod: 1)
        let j = job("sleep 100 & echo $! > bg.pid; sleep 100; wait")
        let task = Task { await exec.run(j) }
        let started = await waitForFile("bg.pid")
        XCTAssertTrue(started)
        task.cancel()
        let r = await task.value
        XCTAssertEqual(r.status, .cancelled)
        let bg = try XCTUnwrap(Int32(read("bg.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        let gone = await eventuallyGone(bg)
        XCTAssertTrue(gone, "background child \(bg) survived cancellation")
    }

    func testLeftoverBackgroundProcessesAreStoppedWhenTheShellExits() async throws {
        let r = await LocalExecutor(gracePeriod: 1).run(job("sleep 100 & echo $! > bg.pid; exit 0"))
        XCTAssertEqual(r.status, .exited(0))
        let bg = try XCTUnwrap(Int32(read("bg.pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        let gone = await eventuallyGone(bg)
        XCTAssertTrue(gone)
    }

    func testOnStartReceivesTheChildsProcessGroupID() async throws {
        final class Box: @unchecked Sendable { let lock = NSLock(); var value: Int32? }
        let box = Box()
        // Field 5 of /proc/PID/stat is the process group.
        let r = await LocalExecutor().run(job("cut -d' ' -f5 /proc/$$/stat > pgid.txt; echo $$ > pid.txt")) { pgid in
            box.lock.withLock { box.value = pgid }
        }
        XCTAssertEqual(r.status, .exited(0))
        let reported = try XCTUnwrap(box.lock.withLock { box.value })
        XCTAssertEqual(reported, Int32(try read("pgid.txt").trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(reported, Int32(try read("pid.txt").trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertNotEqual(reported, getpgrp(), "the job must not share xgraph's process group")
    }
}
