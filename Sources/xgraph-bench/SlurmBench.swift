import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// The Slurm executor's figures, on a private single-node cluster (Tests/Slurm/local-cluster.sh)
/// that declares 32 CPUs so that many tiny jobs run at once. One graph of 1,000 tiny independent
/// steps is built five ways: locally, on Slurm attached with job arrays and with one job per
/// node side by side, on Slurm detached, and (20 of them, held pending) with the head only
/// waiting; then, on a cluster of their own declaring 128 CPUs, 1,000 nodes of half a second
/// with and without `group:`. Targets: with arrays
/// ≤ 10 sbatch calls and ≤ 1 ms of xgraph's own CPU per node; ≤ 20 ms per submitted job
/// otherwise, attached or detached; < 5 % of one core while the head waits on a queue that does
/// not move; grouped at least 5× faster than ungrouped.
///
/// "xgraph's own CPU" is the utime+stime of the xgraph process alone, without its sbatch and
/// squeue children: read from /proc/PID/stat after it exits but before it is reaped (waitid with
/// WNOWAIT leaves the zombie, whose stat holds the final figures of all its threads). wait4's
/// rusage would add the children it reaped; sampling /proc while it runs would miss its last
/// moments. The children's CPU is printed beside it (rusage minus own).
enum SlurmBench {
    static let nodes = 1000
    /// Jobs held pending for the waiting figure, and how long it is watched.
    static let waiting = 20
    static let watchSeconds = 30.0

    /// - Parameters:
    ///   - groupedOnly: only the grouped comparison (`--slurm-grouped-only`, for working on it).
    ///   - groupedSlots: the CPUs the grouped comparison's cluster declares.
    static func run(xgraph: String, scratch: String, groupedOnly: Bool = false, groupedSlots: Int = groupedSlotsDefault) throws {
        say("\n== Slurm executor (private single-node cluster, \(nodes) tiny independent jobs)")
        guard getuid() == 0 else {
            say("  Slurm figures skipped: the private cluster needs root (slurmd starts jobs as their users)")
            return
        }
        let missing = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "sinfo"].filter { onPath($0) == nil }
        guard missing.isEmpty else {
            say("  Slurm figures skipped: \(missing.joined(separator: ", ")) not installed (make deps installs slurm-wlm and munge)")
            return
        }
        guard let script = clusterScript(xgraph: xgraph) else {
            say("  Slurm figures skipped: Tests/Slurm/local-cluster.sh not found above \(FileManager.default.currentDirectoryPath) or \(xgraph)")
            return
        }

        let dir = scratch + "/slurm"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let t0 = Date()
        if !groupedOnly { try tinyNodes(xgraph: xgraph, script: script, dir: dir) }
        try grouped(xgraph: xgraph, script: script, dir: dir, slots: groupedSlots)
        say("  Slurm section: \(String(format: "%.0f s", Date().timeIntervalSince(t0))) in all")
    }

    /// Starts a private cluster in `clusterDir` declaring `cpus` CPUs (and no GPUs) and points
    /// this process's children at it (`SLURM_CONF`); false, having said why, when it did not
    /// start. Should the bench be killed, the watcher (--watch) stops the cluster.
    static func startCluster(script: String, clusterDir: String, cpus: Int, cwd: String, more: [String] = []) -> Bool {
        let t0 = Date()
        let started = capture([script, "start", clusterDir, "--cpus", String(cpus), "--gpus", "0", "--watch", String(getpid())] + more,
                              cwd: cwd)
        guard started.status == 0, let line = started.out.split(separator: "\n").last(where: { $0.hasPrefix("export SLURM_CONF=") }) else {
            say("  Slurm figures skipped: the private cluster did not start (exit \(started.status)):")
            for l in started.err.split(separator: "\n").suffix(8) { say("    " + l) }
            stopCluster(script: script, clusterDir: clusterDir, cwd: cwd)
            return false
        }
        setenv("SLURM_CONF", String(line.dropFirst("export SLURM_CONF=".count)), 1)
        say("  cluster up in \(String(format: "%.1f s", Date().timeIntervalSince(t0))) (\(cpus) CPUs declared, on"
              + " \(ProcessInfo.processInfo.activeProcessorCount) real ones)")
        return true
    }

    static func stopCluster(script: String, clusterDir: String, cwd: String) {
        let stopped = capture([script, "stop", clusterDir], cwd: cwd)
        if stopped.status != 0 { say("  warning: stopping the cluster: \(stopped.err.trimmingCharacters(in: .whitespacesAndNewlines))") }
        unsetenv("SLURM_CONF")
    }

    /// 1,000 tiny nodes: local, attached with arrays and with one job per node, detached, and
    /// a head waiting on jobs that stay pending; on a cluster declaring 32 CPUs.
    static func tinyNodes(xgraph: String, script: String, dir: String) throws {
        let clusterDir = dir + "/cluster"
        guard startCluster(script: script, clusterDir: clusterDir, cpus: 32, cwd: dir) else { return }
        // Stopped on every way out of here, errors included.
        defer {
            stopCluster(script: script, clusterDir: clusterDir, cwd: dir)
            unsetenv("XGRAPH_DEBUG_SLURM")
        }
        // Every child inherits it: each squeue poll of xgraph prints one stderr line, which is
        // how polls are counted.
        setenv("XGRAPH_DEBUG_SLURM", "1", 1)

        let yaml = """
            steps:
              tiny:
                foreach: { i: [\((1...nodes).map(String.init).joined(separator: ", "))] }
                command: "echo {{ i }} > {{ out }}/x"

            """
        try yaml.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)

        // Local, for scale.
        let local = Child.spawn([xgraph, "build", "tiny.yaml", "--store", "store-local"], cwd: dir).wait()
        say("  local executor: `xgraph build` \(String(format: "%.1f s", local.seconds)) (exit \(local.status)),"
              + " \(String(format: "%.0f", Double(nodes) / local.seconds)) nodes/s")

        // Attached, side by side: job arrays (the default) and one job per node. The head
        // follows every node through the shared squeue poll.
        let wrapper = try SbatchLog(dir: dir)
        for (label, extra, store) in [("arrays", [String](), "store-attached"),
                                      ("one job per node", ["--slurm-arrays", "off"], "store-single")] {
            let command = ["build", "tiny.yaml", "--executor", "slurm", "--max-queued", String(nodes), "--store", store] + extra
            wrapper.reset()
            let daemons = daemonCPU(clusterDir)
            let child = wrapper.around { Child.spawn([xgraph] + command, cwd: dir, stdout: dir + "/attached.out", stderr: dir + "/attached.err") }
            let att = child.wait()
            let attDaemons = daemonCPU(clusterDir) - daemons
            let calls = wrapper.calls()
            let allIn = calls.last.map { $0.at - child.start.timeIntervalSince1970 } ?? .nan
            say("  Slurm attached, \(label) (`xgraph \(command.joined(separator: " "))`, fresh store, with the once-per-store probe job):")
            say("    \(calls.count) sbatch calls (\(calls.filter(\.array).count) arrays), all \(nodes) nodes submitted"
                  + " \(String(format: "%.1f s", allIn)) after the start; done in \(String(format: "%.1f s", att.seconds)) (exit \(att.status)),"
                  + " \(String(format: "%.1f", Double(nodes) / att.seconds)) nodes completed/s, \(polls(dir + "/attached.err")) squeue polls")
            say("    xgraph's own CPU \(String(format: "%.2f s", att.ownCPU)): \(ms(att.ownCPU / Double(nodes))) per node"
                  + (extra.isEmpty ? " (target with arrays ≤ 1 ms, ≤ 10 sbatch calls)" : " (target ≤ 20 ms)")
                  + "; its sbatch/squeue children \(ms(att.childrenCPU / Double(nodes))) per node,"
                  + " Slurm's daemons \(ms(attDaemons / Double(nodes))) per node")
            if att.status != 0 { failures(dir + "/attached.out"); tail(dir + "/attached.err") }
        }

        // Detached: the whole graph submitted at once; then the queue drains without a head.
        let detachedCommand = ["build", "tiny.yaml", "--executor", "slurm", "--detach", "--max-queued", String(nodes), "--store", "store-detached"]
        let daemons = daemonCPU(clusterDir)
        let det = Child.spawn([xgraph] + detachedCommand, cwd: dir, stdout: dir + "/detached.out", stderr: dir + "/detached.err").wait()
        let drainStart = Date()
        var drained = false
        while Date().timeIntervalSince(drainStart) < 120 {
            let q = capture(["squeue", "--noheader", "--format=%i"], cwd: dir)
            if q.status == 0 && q.out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { drained = true; break }
            usleep(250_000)
        }
        let drain = Date().timeIntervalSince(drainStart)
        let detDaemons = daemonCPU(clusterDir) - daemons
        let submittedLine = (try? String(contentsOfFile: dir + "/detached.out", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("submitted ") }.map(String.init) ?? "no summary line"
        let status = capture([xgraph, "status", "tiny.yaml", "--store", "store-detached"], cwd: dir)
        say("  Slurm detached (`xgraph \(detachedCommand.joined(separator: " "))`, fresh store, with the probe job):")
        say("    submitted in \(String(format: "%.1f s", det.seconds)) (exit \(det.status); \(submittedLine)),"
              + " \(String(format: "%.1f", Double(nodes) / det.seconds)) submissions/s, \(polls(dir + "/detached.err")) squeue polls")
        say("    xgraph's own CPU \(String(format: "%.2f s", det.ownCPU)): \(ms(det.ownCPU / Double(nodes))) per job (target ≤ 20 ms: ratio"
              + " \(String(format: "%.2f", det.ownCPU / Double(nodes) / 0.020))); its sbatch/squeue children \(ms(det.childrenCPU / Double(nodes))) per job,"
              + " Slurm's daemons \(ms(detDaemons / Double(nodes))) per job (until drained)")
        say("    queue \(drained ? "drained" : "NOT drained") \(String(format: "%.1f s", drain)) after xgraph returned;"
              + " `xgraph status`: \(status.out.split(separator: "\n").last.map(String.init) ?? "exit \(status.status)")")
        if det.status != 0 { tail(dir + "/detached.err") }

        try headWhileWaiting(xgraph: xgraph, dir: dir)

        let left = capture(["squeue", "--noheader", "--format=%i"], cwd: dir).out.split(separator: "\n").count
        if left > 0 { say("  warning: \(left) jobs still queued; stopping the cluster cancels them") }
    }

    /// The CPUs the grouped comparison's cluster declares. Its jobs are `sleep`s, so the
    /// number is made up (this machine has two cores), as a real cluster's hundreds of slots
    /// would be here: at 32, 1,000 nodes of 0.5 s cannot take less than 15.6 s even with no cost
    /// per job at all, so no grouping could be 5× faster than a 65 s ungrouped build.
    static let groupedSlotsDefault = 128

    /// Short nodes (half a second each) with and without `group:`, on a cluster of its own
    /// declaring `slots` CPUs, each build attached and with arrays: wall time until all are
    /// recorded. The same graph, cluster and flags; only `group:` differs. Target: grouped at
    /// least 5× faster.
    static func grouped(xgraph: String, script: String, dir: String, slots: Int) throws {
        let short = 1000, seconds0 = 0.5
        // As many nodes a job as fill the slots in one wave of jobs: 8 a job at 128 slots.
        let perJob = max(1, (short + slots - 1) / slots)
        let jobs = (short + perJob - 1) / perJob
        let clusterDir = dir + "/cluster-short"
        // Two cores starting a hundred jobs at once answer the controller late: Slurm's default
        // 10 s would leave a job held for a launch it could not confirm.
        guard startCluster(script: script, clusterDir: clusterDir, cpus: slots, cwd: dir, more: ["--message-timeout", "60"]) else { return }
        defer { stopCluster(script: script, clusterDir: clusterDir, cwd: dir) }
        // The least either build could take, were starting a job or a node free: every slot
        // busy sleeping (ungrouped), or each job's nodes one after another in waves of `slots`.
        let floorUngrouped = Double(short) * seconds0 / Double(slots)
        let floorGrouped = Double(perJob) * seconds0 * Double((jobs + slots - 1) / slots)
        say("  \(short) nodes of \(seconds0) s on \(slots) declared slots: floor \(String(format: "%.1f s", floorUngrouped)) ungrouped,"
              + " \(String(format: "%.1f s", floorGrouped)) grouped (\(jobs) jobs of \(perJob) nodes)")
        var seconds: [Double] = []
        for group in [false, true] {
            try """
                steps:
                  short:
                    foreach: { i: [\((1...short).map(String.init).joined(separator: ", "))] }
                \(group ? "    group: { max_nodes: \(perJob), max_time: 1h }\n" : "")    command: "sleep \(seconds0); echo {{ i }} > {{ out }}/x"

                """.write(toFile: dir + "/short.yaml", atomically: true, encoding: .utf8)
            let command = ["build", "short.yaml", "--executor", "slurm", "--max-queued", String(short),
                           "--store", group ? "store-grouped" : "store-ungrouped"]
            let r = Child.spawn([xgraph] + command, cwd: dir, stdout: dir + "/short.out", stderr: dir + "/short.err").wait()
            seconds.append(r.seconds)
            say("  \(short) nodes of 0.5 s \(group ? "grouped (max_nodes: \(perJob))" : "ungrouped (one array task each)")"
                  + " (`xgraph \(command.joined(separator: " "))`): \(String(format: "%.1f s", r.seconds)) to done (exit \(r.status)),"
                  + " xgraph's own CPU \(ms(r.ownCPU / Double(short))) per node")
            if r.status != 0 { failures(dir + "/short.out"); tail(dir + "/short.err") }
        }
        if seconds.count == 2, seconds[1] > 0 {
            say("    grouped is \(String(format: "%.1f", seconds[0] / seconds[1]))× faster (target ≥ 5×)")
        }
    }

    /// A head whose jobs stay pending (`--begin=now+1hour`): its CPU over `watchSeconds` of
    /// waiting, then Ctrl-C (not on a terminal it leaves the jobs and says so) and `xgraph cancel`.
    /// The attached build's store is reused, so its probe job (which would pend as well) is done.
    static func headWhileWaiting(xgraph: String, dir: String) throws {
        try """
            steps:
              held:
                foreach: { i: [\((1...waiting).map(String.init).joined(separator: ", "))] }
                command: "true"

            """.write(toFile: dir + "/held.yaml", atomically: true, encoding: .utf8)
        let command = ["build", "held.yaml", "--executor", "slurm", "--store", "store-attached", "--sbatch-arg=--begin=now+1hour"]
        let err = dir + "/held.err"
        let head = Child.spawn([xgraph] + command, cwd: dir, stderr: err)
        let deadline = Date().addingTimeInterval(30)
        var queued = 0
        while Date() < deadline && head.running {
            // --array: a pending array is one line without it, and the 20 nodes go out as one.
            queued = capture(["squeue", "--array", "--noheader", "--format=%i", "--states=PD"], cwd: dir).out.split(separator: "\n").count
            if queued >= waiting { break }
            usleep(200_000)
        }
        guard queued >= waiting, let cpu0 = head.ownCPU() else {
            kill(head.pid, SIGKILL)
            let r = head.wait()
            say("  head while waiting: only \(queued) of \(waiting) jobs were queued (exit \(r.status))")
            tail(err)
            _ = capture([xgraph, "cancel", "held.yaml", "--store", "store-attached"], cwd: dir)
            return
        }
        let polls0 = polls(err), w0 = Date()
        usleep(UInt32(watchSeconds * 1_000_000))
        let cpu1 = head.ownCPU() ?? cpu0, polls1 = polls(err), watched = Date().timeIntervalSince(w0)
        kill(head.pid, SIGINT)
        let r = head.wait(timeout: 20)
        let said = (try? String(contentsOfFile: err, encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("left ") }.map { String($0.prefix(60)) + "…" } ?? "nothing about the jobs it left"
        let cancelled = capture([xgraph, "cancel", "held.yaml", "--store", "store-attached"], cwd: dir)
        let percent = 100 * (cpu1 - cpu0) / watched
        say("  head while waiting (`xgraph \(command.joined(separator: " "))`, \(waiting) jobs pending):")
        say("    xgraph's own CPU over \(String(format: "%.0f s", watched)) of waiting: \(String(format: "%.2f s", cpu1 - cpu0)) ="
              + " \(String(format: "%.2f", percent)) % of one core (target < 5 %), \(polls1 - polls0) squeue polls in that time")
        say("    Ctrl-C: exit \(r.status)\(r.timedOut ? " (killed: it did not stop within 20 s)" : ""), it said \"\(said)\";"
              + " `xgraph cancel`: \(cancelled.out.split(separator: "\n").last.map(String.init) ?? "exit \(cancelled.status)")")
    }

    /// CPU seconds of the cluster's daemons (munged, slurmctld, slurmd) so far, with the children
    /// they reaped (slurmd forks per launch); the jobs' slurmstepd and runner are not among them.
    static func daemonCPU(_ clusterDir: String) -> Double {
        guard let text = try? String(contentsOfFile: clusterDir + "/run/pids", encoding: .utf8) else { return 0 }
        var total = 0.0
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count == 3, f[0] != "watcher", let pid = pid_t(f[1]),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let v = stat[stat.index(after: close)...].split(separator: " ")
            guard v.count > 14 else { continue }
            total += (11...14).compactMap { Double(v[$0]) }.reduce(0, +)
        }
        return total / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The squeue polls an `XGRAPH_DEBUG_SLURM=1` run logged so far.
    static func polls(_ stderrPath: String) -> Int {
        lines(stderrPath).filter { $0.contains("squeue poll ") }.count
    }

    /// The build's lines about nodes that failed (the first few), for a build that did not succeed.
    static func failures(_ path: String) {
        let failed = lines(path).filter { $0.contains("FAILED") || $0.contains("failed") || $0.hasPrefix("error") || $0.hasPrefix("xgraph:") }
        for l in failed.prefix(5) { say("    | " + l) }
    }

    static func tail(_ path: String) {
        let rest = lines(path).filter { !$0.contains("squeue poll ") && !$0.contains("scontrol: job") }
        for l in rest.suffix(5) { say("    | " + l) }
    }

    /// The lines of a file the bench wrote; none when it cannot be read.
    static func lines(_ path: String) -> [Substring] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
    }

    static func onPath(_ tool: String) -> String? {
        for d in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        where FileManager.default.isExecutableFile(atPath: "\(d)/\(tool)") {
            return "\(d)/\(tool)"
        }
        return nil
    }

    /// Tests/Slurm/local-cluster.sh of this checkout: above the working folder (make runs the
    /// bench from the package root), else above the folder that holds the binaries.
    static func clusterScript(xgraph: String) -> String? {
        for start in [URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
                      URL(fileURLWithPath: xgraph).resolvingSymlinksInPath().deletingLastPathComponent()] {
            var dir = start
            while true {
                let s = dir.appendingPathComponent("Tests/Slurm/local-cluster.sh").path
                if FileManager.default.isExecutableFile(atPath: s) { return s }
                if dir.path == "/" { break }
                dir = dir.deletingLastPathComponent()
            }
        }
        return nil
    }

    /// Runs a short command to its end; its output, both streams.
    static func capture(_ argv: [String], cwd: String) -> (status: Int32, out: String, err: String) {
        let base = cwd + "/.capture-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(base + ".out"); unlink(base + ".err") }
        let r = Child.spawn(argv, cwd: cwd, stdout: base + ".out", stderr: base + ".err").wait()
        return (r.status, (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "",
                (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "")
    }
}

/// An `sbatch` first on PATH that runs the real one and logs, for each job or array it made
/// (the probe left out), when it returned and whether it was an array.
struct SbatchLog {
    let folder: String
    var log: String { folder + "/calls" }

    init(dir: String) throws {
        folder = dir + "/sbatch-log"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let real = SlurmBench.onPath("sbatch") ?? "/usr/bin/sbatch"
        try """
            #!/bin/sh
            out=$(\(shellQuote(real)) "$@"); rc=$?
            kind=single
            for a in "$@"; do
              case "$a" in --array=*) kind=array ;; --job-name=xg:probe) kind=probe ;; esac
            done
            [ "$rc" -ne 0 ] || [ "$kind" = probe ] || printf '%s %s\\n' "$(date +%s.%N)" "$kind" >> \(shellQuote(log))
            printf '%s\\n' "$out"
            exit "$rc"

            """.write(toFile: folder + "/sbatch", atomically: true, encoding: .utf8)
        chmod(folder + "/sbatch", 0o755)
    }

    func reset() { try? "".write(toFile: log, atomically: true, encoding: .utf8) }

    /// Runs `body` with the wrapper first on PATH (children spawned meanwhile inherit it).
    func around<T>(_ body: () -> T) -> T {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        setenv("PATH", folder + ":" + path, 1)
        defer { setenv("PATH", path, 1) }
        return body()
    }

    /// Each call: the time it returned (seconds since 1970) and whether it made an array.
    func calls() -> [(at: Double, array: Bool)] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count == 2, let at = Double(f[0]) else { return nil }
            return (at, f[1] == "array")
        }
    }
}

/// A process started with stdin from /dev/null (so a Ctrl-C'd build never asks a question),
/// whose own CPU time can be read while it runs and, exactly, once it has exited.
struct Child {
    struct Exit {
        var status: Int32
        var seconds: Double
        /// utime+stime of the process itself (all its threads), from its zombie's /proc stat.
        var ownCPU: Double
        /// Its reaped children's CPU (wait4's rusage, which counts them, minus its own).
        var childrenCPU: Double
        var timedOut = false
    }

    let pid: pid_t
    let start: Date

    static func spawn(_ argv: [String], cwd: String, stdout: String = "/dev/null", stderr: String = "/dev/null") -> Child {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // As in spawnMeasured: the shell changes folder and execs, so the pid is the program's.
        let full = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd] + argv
        let cargs = full.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        let start = Date()
        if posix_spawn(&pid, "/bin/sh", &actions, nil, cargs, environ) != 0 { pid = -1 }
        return Child(pid: pid, start: start)
    }

    /// utime+stime of the process itself, in seconds; nil once it is gone.
    func ownCPU() -> Double? {
        guard pid > 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // After the command name: state is field 3, utime 14, stime 15.
        let f = stat[stat.index(after: close)...].split(separator: " ")
        guard f.count > 12, let u = Double(f[11]), let s = Double(f[12]) else { return nil }
        return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    var running: Bool {
        var info = siginfo_t()
        return pid > 0 && waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT | WNOHANG) == 0 && info.si_signo != SIGCHLD
    }

    /// Waits for the exit (SIGKILL after `timeout` seconds), reads the zombie's CPU, reaps it.
    func wait(timeout: Double? = nil) -> Exit {
        guard pid > 0 else { return Exit(status: -1, seconds: 0, ownCPU: 0, childrenCPU: 0) }
        var timedOut = false
        var info = siginfo_t()
        if let timeout {
            let deadline = Date().addingTimeInterval(timeout)
            while running {
                if Date() > deadline && !timedOut { kill(pid, SIGKILL); timedOut = true }
                usleep(20_000)
            }
        } else {
            while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR {}
        }
        let seconds = Date().timeIntervalSince(start)
        let own = ownCPU() ?? 0
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let all = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Exit(status: code, seconds: seconds, ownCPU: own, childrenCPU: max(0, all - own), timedOut: timedOut)
    }
}
