import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The Slurm test cluster itself (`SlurmCluster`, `Tests/Slurm/local-cluster.sh`): jobs run as
/// their submitter, fake GPUs are handed out one per job, the gpu partition does not hold up the
/// cpu one, and stopping a cluster ends exactly its daemons.
final class SlurmClusterTests: XCTestCase {
    nonisolated(unsafe) static var shared: SlurmCluster?
    nonisolated(unsafe) static var startError: Error?

    override class func setUp() {
        super.setUp()
        do { shared = try SlurmCluster.start(cpus: 8, gpus: 2) } catch { startError = error }
    }

    override class func tearDown() {
        shared?.stop()
        super.tearDown()
    }

    /// The class's cluster, or the reason it did not start (an XCTSkip skips the test).
    func cluster() throws -> SlurmCluster {
        if let shared = Self.shared { return shared }
        throw Self.startError ?? NSError(domain: "SlurmClusterTests", code: 1)
    }

    /// The uid jobs submitted through `harness` should run as.
    func expectedUID(_ harness: CLIHarness) -> uid_t { harness.user?.uid ?? geteuid() }

    func owner(_ path: String) throws -> uid_t {
        try XCTUnwrap(FileManager.default.attributesOfItem(atPath: path)[.ownerAccountID] as? NSNumber).uint32Value
    }

    func testTwoGPUJobsGetDistinctDevicesAndRunAsTheSubmitter() throws {
        let cluster = try cluster()
        let harness = try CLIHarness()
        // Each job holds its GPU for 3 s, so both hold one at the same time: run one after the
        // other they could both have been given device 0.
        let ids = try (1...2).map { n in
            try cluster.submit(["-p", "gpu", "--gres=gpu:1", "-o", "job-\(n).log", "--wrap",
                                "echo \"$CUDA_VISIBLE_DEVICES\" > gpu-\(n); id -u > uid-\(n); sleep 3"], as: harness)
        }
        let states = try cluster.waitUntilEnded(ids)
        XCTAssertEqual(ids.map { states[$0] }, ["COMPLETED", "COMPLETED"], "\(states)")
        let devices = try (1...2).map { try harness.read("gpu-\($0)").trimmingCharacters(in: .whitespacesAndNewlines) }
        XCTAssertEqual(Set(devices), ["0", "1"], "CUDA_VISIBLE_DEVICES of the two jobs: \(devices)")
        for n in 1...2 {
            XCTAssertEqual(try harness.read("uid-\(n)").trimmingCharacters(in: .whitespacesAndNewlines),
                           "\(expectedUID(harness))", "job \(n) ran as another user")
            XCTAssertEqual(try owner(harness.dir.appendingPathComponent("gpu-\(n)").path), expectedUID(harness))
        }
    }

    func testCPUJobRunsWhileAGPUJobWaits() throws {
        let cluster = try cluster()
        let harness = try CLIHarness()
        // Two jobs take both GPUs; a third waits for one.
        let gpuJobs = try (1...3).map { n in
            try cluster.submit(["-p", "gpu", "--gres=gpu:1", "-o", "gpu-\(n).log", "--wrap", "sleep 60"], as: harness)
        }
        defer { _ = try? cluster.client("scancel", gpuJobs.map(String.init)) }
        let deadline = Date().addingTimeInterval(20)
        var states = try cluster.states(gpuJobs)
        while gpuJobs.filter({ states[$0] == "RUNNING" }).count < 2, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            states = try cluster.states(gpuJobs)
        }
        XCTAssertEqual(gpuJobs.filter { states[$0] == "RUNNING" }.count, 2, "\(states)")
        let waiting = try XCTUnwrap(gpuJobs.first { states[$0] == "PENDING" }, "no GPU job waits: \(states)")

        let cpuJob = try cluster.submit(["-o", "cpu.log", "--wrap", "echo ran > cpu-ran"], as: harness)
        let cpuState = try cluster.waitUntilEnded([cpuJob], timeout: 20)[cpuJob]
        XCTAssertEqual(cpuState, "COMPLETED")
        XCTAssertEqual(try harness.read("cpu-ran"), "ran\n")
        XCTAssertEqual(try cluster.states([waiting])[waiting], "PENDING",
                       "the GPU job should still wait: the CPU job did not overtake it")
        let partition = try cluster.client("squeue", ["-h", "-t", "all", "-j", "\(cpuJob)", "-o", "%P"])
        XCTAssertEqual(partition.trimmingCharacters(in: .whitespacesAndNewlines), "cpu")
    }

    /// A second cluster beside the class's: it works, its stop ends all its processes (and may be
    /// called again), and the class's cluster goes on.
    func testStopEndsExactlyItsOwnDaemons() throws {
        let shared = try cluster()
        let other = try SlurmCluster.start(cpus: 2, gpus: 0)
        defer { other.stop() }
        XCTAssertEqual(Set(other.daemons.map(\.name)), ["munged", "slurmctld", "slurmd", "watcher"])
        XCTAssertTrue(other.daemons.allSatisfy(\.isRunning), "\(other.daemons)")
        XCTAssertTrue(Set(other.daemons.map(\.pid)).isDisjoint(with: shared.daemons.map(\.pid)))
        XCTAssertNotEqual(other.environment["SLURM_CONF"], shared.environment["SLURM_CONF"])
        let harness = try CLIHarness()
        let job = try other.submit(["-o", "job.log", "--wrap", "echo other > other-ran"], as: harness)
        XCTAssertEqual(try other.waitUntilEnded([job])[job], "COMPLETED")
        XCTAssertEqual(try harness.read("other-ran"), "other\n")
        // A job still running at stop: slurmstepd outlives slurmd, so stop must cancel it.
        let long = try other.submit(["-o", "long.log", "--wrap", "echo $$ > long-pid; exec sleep 300"], as: harness)
        let deadline = Date().addingTimeInterval(20)
        while (try? harness.read("long-pid"))?.hasSuffix("\n") != true, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        let jobPid = try XCTUnwrap(pid_t(harness.read("long-pid").trimmingCharacters(in: .whitespacesAndNewlines)),
                                   "job \(long) did not start")
        let jobProcess = try XCTUnwrap(SlurmCluster.Daemon.current(name: "job", pid: jobPid))
        XCTAssertTrue(jobProcess.isRunning)

        other.stop()
        let left = other.daemons.filter(\.isRunning)
        XCTAssertEqual(left, [], "still running after stop")
        XCTAssertFalse(jobProcess.isRunning, "the job's process outlived the cluster")
        XCTAssertFalse(FileManager.default.fileExists(atPath: other.dir.path), "stop leaves the folder")
        other.stop()

        XCTAssertTrue(shared.daemons.allSatisfy(\.isRunning), "stopping one cluster hit another: \(shared.daemons)")
        let states = try shared.client("sinfo", ["-h", "-o", "%P %t"])
        XCTAssertEqual(states.split(separator: "\n").sorted(), ["cpu* idle", "gpu idle"])
    }

    /// A killed test process leaves no daemon behind: the watcher stops the cluster when the
    /// process it watches ends.
    func testDaemonsEndWithTheWatchedProcess() throws {
        _ = try cluster()
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["600"]
        try sleeper.run()
        let watched = try SlurmCluster.start(cpus: 1, gpus: 0, watching: sleeper.processIdentifier)
        defer { watched.stop() }
        XCTAssertTrue(watched.daemons.allSatisfy(\.isRunning), "\(watched.daemons)")
        kill(sleeper.processIdentifier, SIGKILL)
        sleeper.waitUntilExit()
        let deadline = Date().addingTimeInterval(10)
        while watched.daemons.contains(where: \.isRunning), Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertEqual(watched.daemons.filter(\.isRunning), [], "daemons outlived the process they watch")
    }
}
