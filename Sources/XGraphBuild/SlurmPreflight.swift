import Foundation
import XGraphCore
import XGraphExecutors
import XGraphStore

/// Checks made before the first job is submitted, so a misconfigured cluster fails once, at
/// once, naming what to fix, instead of failing every node of a wave or pending forever.
extension Builder {
    /// - Parameter detached: a detached build submits one job per node, so no step's
    ///   `group:` time is asked for.
    public func slurmPreflight(toRun: [Int], detached: Bool = false) async throws {
        guard let slurm, let first = toRun.first else { return }
        let partitions = try await SlurmPartitions.read(slurm.executor.client)
        var problems: [String] = []
        var groupProblems: [String] = []
        var groupsChecked = Set<String>()
        for i in toRun {
            let node = graph.nodes[i]
            let profile = node.slurm.overridden(by: slurm.profile)
            if let why = partitions.misfit(node.resources, partition: profile.partition) {
                problems.append("\(node.id) \(why)")
            }
            // A grouped job asks for the group's max_time instead of its nodes' own time
            // (SlurmBatcher), which the check above never saw; sbatch would refuse it late.
            if slurm.arrays && !detached, let group = node.jobGroup, group.maxNodes > 1, let t = group.maxTime,
               groupsChecked.insert(node.step + "\u{0}" + (profile.partition ?? "")).inserted,
               let over = partitions.timeLimitExceeded(t, partition: profile.partition) {
                groupProblems.append(Self.groupTimeProblem(step: node.step, maxTime: t, partition: over.name, limit: over.limit))
            }
        }
        var message: [String] = []
        if !problems.isEmpty {
            let more = problems.count > 10 ? "\n  … and \(problems.count - 10) more" : ""
            message.append("\(problems.count) node\(problems.count == 1 ? "" : "s") cannot run on this cluster "
                + "(sinfo):\n  " + problems.prefix(10).joined(separator: "\n  ") + more
                + "\nchange the step's resources or the Slurm profile's partition")
        }
        message += groupProblems
        if !message.isEmpty { throw XGraphError.build("nothing was submitted: " + message.joined(separator: "\n")) }
        try await probe(profile: graph.nodes[first].slurm.overridden(by: slurm.profile), slurm: slurm)
    }

    /// Why a grouped step's jobs cannot run: what they ask for, what the partition allows, and
    /// what to change. Seconds as whole numbers, as the node check says them.
    static func groupTimeProblem(step: String, maxTime: Double, partition: String, limit: Double) -> String {
        func s(_ t: Double) -> String { String(format: "%.0f s", t) }
        let margin = SlurmJobRequest.timeMargin
        return "step \(step): group.max_time \(s(maxTime)) makes its grouped jobs ask Slurm for \(s(maxTime + margin)) "
            + "(\(s(margin)) for xgraph), and partition \(partition) allows \(s(limit)) (sinfo's time limit); "
            + "lower the step's group.max_time to at most \(s(max(0, limit - margin))), or use a partition with a longer MaxTime"
    }

    /// A first tiny job that shows the compute nodes see the store and the xgraph binary.
    /// Done once per store and binary: its success is remembered in `jobs/probe`.
    private func probe(profile: SlurmProfile, slurm: SlurmSettings) async throws {
        let dir = store.jobsDirectory
        let marker = dir + "/probe"
        let expected = slurm.xgraph + "\n" + XGraphVersion.string + "\n"
        if (try? String(contentsOfFile: marker, encoding: .utf8)) == expected { return }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Builtin steps run xgraph-train from beside xgraph.
        let trainer = (slurm.xgraph as NSString).deletingLastPathComponent + "/" + BuiltinSteps.programName
        let needsTrainer = graph.nodes.contains { if case .builtin = $0.kind { return true }; return false }
        let token = "probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let seen = dir + "/" + token + ".store", version = dir + "/" + token + ".xgraph"
        defer { unlink(seen); unlink(version) }
        let script = """
            #!/bin/sh
            touch \(shellQuote(seen)) || exit 3
            [ -x \(shellQuote(slurm.xgraph)) ] || exit 4
            \(needsTrainer ? "[ -x \(shellQuote(trainer)) ] || exit 5" : "")
            exec \(shellQuote(slurm.xgraph)) --version > \(shellQuote(version))

            """
        let args = ["--parsable", "--job-name=xg:probe", "--output=/dev/null", "--cpus-per-task=1", "--time=0-00:05:00",
                    "--chdir=" + slurm.workingDirectory] + SlurmJobRequest.placement(profile) + Self.probeOptions(profile.sbatchArgs)
        let id = try await slurm.executor.submit(arguments: args, script: script, what: "the probe job",
                                                 as: SlurmJobIdentity(name: "xg:probe", log: "/dev/null"),
                                                 refused: ", so it would refuse the nodes' jobs too")
        do {
            try await waitForProbe(id, slurm: slurm)
        } catch {
            // Interrupted, or waited too long: the probe must not stay queued (a retry would
            // add another). A task of its own, since this one is cancelled.
            let executor = slurm.executor
            await Task { try? await executor.cancel([id]) }.value
            throw error
        }
        slurm.executor.ended(id)
        // A shared file system may show another host's new file a moment late.
        for delay in [0.0, 1.0, 2.0] where !FileManager.default.fileExists(atPath: version) {
            try await Task.sleep(for: .seconds(delay))
        }
        guard FileManager.default.fileExists(atPath: seen) else {
            throw XGraphError.build("the probe job \(id) could not write \(store.root) on its compute node: the store must be on a "
                + "file system the compute nodes share (and writable by you there); give --store a shared path")
        }
        let printed = (try? String(contentsOfFile: version, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !printed.isEmpty else {
            throw XGraphError.build("the probe job \(id) sees the store but cannot run \(slurm.xgraph)\(needsTrainer ? " (or \(trainer), which builtin steps run)" : "") "
                + "on its compute node: put xgraph and xgraph-train on a shared file system, or set XGRAPH_REMOTE_BIN to where compute nodes find them")
        }
        guard printed == XGraphVersion.string else {
            throw XGraphError.build("compute nodes run xgraph \(printed) from \(slurm.xgraph), this is \(XGraphVersion.string): "
                + "jobs must run the version that planned them; install the same build there")
        }
        try? expected.write(toFile: marker, atomically: true, encoding: .utf8)
    }

    /// How long the head waits for the probe job to run before it gives up:
    /// `XGRAPH_PROBE_WAIT` seconds, else 10 minutes.
    static var probeWait: Double {
        ProcessInfo.processInfo.environment["XGRAPH_PROBE_WAIT"].flatMap(Double.init).flatMap { $0 > 0 ? $0 : nil } ?? 600
    }

    private func waitForProbe(_ id: String, slurm: SlurmSettings) async throws {
        let queue = slurm.executor.queue
        let deadline = ContinuousClock.now + .seconds(Self.probeWait)
        var announced = false
        while let state = await queue.state(of: id) {
            if !announced {
                observer.event(.waiting(node: "probe", reason: "Slurm job \(id) checks that compute nodes see the store and xgraph (once per store)"))
                announced = true
            }
            if ContinuousClock.now >= deadline {
                throw XGraphError.build("the probe job \(id) did not run within \(Int(Self.probeWait)) s (squeue: \(state.text)), so it was "
                    + "cancelled and nothing was submitted: the partition, account, qos or reservation may have no free node for a while; "
                    + "build again later, or set XGRAPH_PROBE_WAIT (seconds) to wait longer")
            }
            try await Task.sleep(for: min(await queue.pollInterval, .seconds(5)))
        }
    }

    /// The profile's `sbatch_args` without those that only say when a job may start (`--begin`,
    /// `--hold`, `--nice`, `--priority`): the probe must run now, and such an option would hold
    /// it (and the build) back for as long as it holds the nodes' jobs. Every other option stays,
    /// so a profile Slurm refuses is still refused at the probe.
    static func probeOptions(_ args: [String]) -> [String] {
        // With the shortest prefix sbatch's getopt_long takes for each (`--beg=now+1h`, `--ho`).
        let timing: [(name: String, shortest: Int)] = [("begin", 3), ("hold", 2), ("nice", 2), ("priority", 3)]
        return args.filter { word in
            if word.hasPrefix("--") {
                let name = word.dropFirst(2).prefix { $0 != "=" }
                return !timing.contains { $0.name.hasPrefix(name) && name.count >= $0.shortest }
            }
            // -b TIME (begin) and -H (hold), alone or after flag letters (`-vH`, `-bnow+1h`).
            guard word.hasPrefix("-") else { return true }
            for letter in word.dropFirst() {
                if letter == "b" || letter == "H" { return false }
                guard SbatchOptions.flagLetters.contains(letter) else { return true }
            }
            return true
        }
    }
}
