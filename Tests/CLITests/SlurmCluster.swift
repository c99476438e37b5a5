import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A private single-node Slurm cluster for the tests: `Tests/Slurm/local-cluster.sh` in a
/// temporary folder, with its own ports, munged, state and spool, so that several test processes
/// (other people's, or two `swift test` at once) each have their own.
///
/// Start it in `override class func setUp()` and stop it in `override class func tearDown()`;
/// `stop()` may be called any number of times. Were the test process killed first, the script's
/// watcher stops the daemons within a second or so.
///
/// Needs root (slurmd starts each job as its submitter) and Slurm (`make deps`): elsewhere
/// `start` throws `XCTSkip`. CI runs as root with Slurm installed, so there the tests run.
final class SlurmCluster: @unchecked Sendable {
    /// A process the script started: munged, slurmctld, slurmd or the watcher.
    struct Daemon: Equatable {
        var name: String
        var pid: pid_t
        /// Clock ticks since boot (field 22 of /proc/PID/stat): with the pid, one process even
        /// after the pid is reused.
        var startTime: String

        /// The process `pid` as it is now, or nil when there is none.
        static func current(name: String, pid: pid_t) -> Daemon? {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.range(of: ") ", options: .backwards) else { return nil }
            let fields = stat[close.upperBound...].split(separator: " ")
            // fields[0] is field 3 (the state), so field 22 is fields[19].
            guard fields.count > 19 else { return nil }
            return Daemon(name: name, pid: pid, startTime: String(fields[19]))
        }

        /// Whether it still runs (a zombie has ended: `kill(pid, 0)` would still succeed on it).
        var isRunning: Bool {
            guard let now = Daemon.current(name: name, pid: pid),
                  let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
            return now.startTime == startTime && !status.contains("\nState:\tZ")
        }
    }

    /// The cluster's folder: slurm.conf, gres.conf, log/, run/pids.
    let dir: URL
    /// What the Slurm clients need to find this cluster, to add to a command's environment.
    let environment: [String: String]
    /// The processes the script recorded when it started them.
    let daemons: [Daemon]

    private let lock = NSLock()
    private var stopped = false

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Slurm/local-cluster.sh").path

    private init(dir: URL, daemons: [Daemon]) {
        self.dir = dir
        self.daemons = daemons
        environment = ["SLURM_CONF": dir.appendingPathComponent("slurm.conf").path]
    }

    /// Starts a cluster of one node with `cpus` CPUs (more than the machine has is fine: tiny
    /// jobs) and `gpus` fake GPUs, in partitions `cpu` (the default) and `gpu`; returns once the
    /// node is idle in both. `watching`: the process whose end stops the cluster (this one).
    static func start(cpus: Int = 8, gpus: Int = 2, maxArraySize: Int? = nil, watching: pid_t = getpid()) throws -> SlurmCluster {
        guard geteuid() == 0 else {
            throw XCTSkip("a Slurm cluster needs root (slurmd starts jobs as their users); CI runs as root")
        }
        for daemon in ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged"]
        where !FileManager.default.isExecutableFile(atPath: daemon) {
            throw XCTSkip("\(daemon) is not installed (make deps installs slurm-wlm and munge)")
        }
        // A short path: munged's socket and slurmstepd's SPOOL/NODE_JOB.STEP sockets must fit in
        // 108 bytes.
        let dir = URL(fileURLWithPath: "/tmp/xgs-\(UUID().uuidString.prefix(8).lowercased())")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: script)
        p.arguments = ["start", dir.path, "--cpus", "\(cpus)", "--gpus", "\(gpus)", "--watch", "\(watching)"]
            + (maxArraySize.map { ["--max-array-size", "\($0)"] } ?? [])
        let result = try CLIHarness.capture(p)
        guard result.status == 0 else {
            // The script stopped what it started; its log tails are in `err`. The folder stays
            // for a look at the logs.
            throw NSError(domain: "SlurmCluster", code: Int(result.status), userInfo: [
                NSLocalizedDescriptionKey: "local-cluster.sh start \(dir.path) failed:\n\(result.all)"])
        }
        let records = try String(contentsOf: dir.appendingPathComponent("run/pids"), encoding: .utf8)
        let daemons = records.split(separator: "\n").compactMap { line -> Daemon? in
            let f = line.split(separator: " ")
            guard f.count == 3, let pid = pid_t(f[1]) else { return nil }
            return Daemon(name: String(f[0]), pid: pid, startTime: String(f[2]))
        }
        return SlurmCluster(dir: dir, daemons: daemons)
    }

    /// Stops exactly the processes the script started (and waits for them), then removes the
    /// folder, unless `XGRAPH_KEEP_SLURM=1` keeps it for its logs. Later calls do nothing.
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        let p = Process()
        p.executableURL = URL(fileURLWithPath: SlurmCluster.script)
        p.arguments = ["stop", dir.path]
        let result = try? CLIHarness.capture(p)
        if result?.status != 0 {
            // Leave the folder: its run/pids still names what is left running.
            print("SlurmCluster: local-cluster.sh stop \(dir.path) failed: \(result?.all ?? "did not run")")
            return
        }
        if ProcessInfo.processInfo.environment["XGRAPH_KEEP_SLURM"] != "1" {
            try? FileManager.default.removeItem(at: dir)
        }
    }

    /// Runs a Slurm client (`squeue`, `scontrol`, `sinfo`, `scancel`, `sbatch`...) as the tests'
    /// own user against this cluster; returns its standard output, or throws with its error.
    @discardableResult
    func client(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/" + tool)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let result = try CLIHarness.capture(p)
        guard result.status == 0 else {
            throw NSError(domain: "SlurmCluster", code: Int(result.status), userInfo: [
                NSLocalizedDescriptionKey: "\(tool) \(args.joined(separator: " ")) exited \(result.status): \(result.err)"])
        }
        return result.out
    }

    /// Submits a batch job as the harness's user (`nobody` when the tests run as root), from and
    /// in the harness's folder; returns the job id.
    func submit(_ args: [String], as harness: CLIHarness) throws -> Int {
        let result = try harness.run(executable: "/usr/bin/sbatch", ["--parsable", "--chdir", harness.dir.path] + args,
                                     env: environment)
        let text = result.out.trimmingCharacters(in: .whitespacesAndNewlines)
        // --parsable prints `ID` or `ID;CLUSTER`.
        guard result.status == 0, let id = Int(text.split(separator: ";").first ?? "") else {
            throw NSError(domain: "SlurmCluster", code: Int(result.status), userInfo: [
                NSLocalizedDescriptionKey: "sbatch \(args) failed: \(result.all)"])
        }
        return id
    }

    /// Each job's state as squeue says (`PENDING`, `RUNNING`, `COMPLETED`, ...). Ended jobs stay
    /// listed for MinJobAge (5 minutes); there is no sacct.
    func states(_ ids: [Int]) throws -> [Int: String] {
        let out = try client("squeue", ["-h", "-t", "all", "-j", ids.map(String.init).joined(separator: ","), "-o", "%i %T"])
        var states: [Int: String] = [:]
        for line in out.split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 2, let id = Int(f[0]) { states[id] = String(f[1]) }
        }
        return states
    }

    static let endedStates: Set<String> = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL",
                                           "OUT_OF_MEMORY", "PREEMPTED", "BOOT_FAIL", "DEADLINE"]

    /// Polls squeue until every job has ended; returns their final states, or throws after
    /// `timeout` seconds.
    func waitUntilEnded(_ ids: [Int], timeout: TimeInterval = 30) throws -> [Int: String] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let now = try states(ids)
            if ids.allSatisfy({ now[$0].map(SlurmCluster.endedStates.contains) ?? false }) { return now }
            if Date() > deadline {
                throw NSError(domain: "SlurmCluster", code: 1, userInfo: [
                    NSLocalizedDescriptionKey: "jobs \(ids) not ended after \(timeout) s: \(now)"])
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
    }
}
