import Foundation
import XGraphCore

/// One node as one Slurm job: what `sbatch` is asked for. The job's script only `exec`s the
/// node runner (`xgraph run-node …`), which re-checks the store, runs the step and records it;
/// so everything Slurm must know is in `sbatchArguments` (an argument vector, never re-parsed by a
/// shell) and the script holds nothing but the quoted runner command.
public struct SlurmJobRequest: Sendable {
    public var node: String
    /// The node runner's argument vector; the first element is the xgraph binary, absolute.
    public var command: [String]
    public var workingDirectory: String
    /// Slurm writes the job's stdout and stderr here (appending, so a requeued job keeps the
    /// earlier output); the runner writes the step's output to the same file.
    public var logPath: String
    public var resources: Resources
    public var profile: SlurmProfile
    /// `resume: true` steps are requeueable and get SIGUSR1 before their time limit.
    public var resume: Bool
    /// Job ids that must end successfully first (`--dependency=afterok:…`, detached builds).
    public var afterOK: [String]

    public init(node: String, command: [String], workingDirectory: String, logPath: String,
                resources: Resources, profile: SlurmProfile, resume: Bool, afterOK: [String] = []) {
        self.node = node; self.command = command; self.workingDirectory = workingDirectory
        self.logPath = logPath; self.resources = resources; self.profile = profile
        self.resume = resume; self.afterOK = afterOK
    }

    /// Seconds Slurm's limit adds to the step's own: the runner stops the step at its limit
    /// itself (and says so in the log) before Slurm kills the whole job, runner included.
    /// Two minutes: loading the experiment and hashing inputs on a slow shared file system
    /// comes before the step's clock starts.
    public static let timeMargin = 120.0

    /// `xg:` and the node name, which squeue shows; long names keep their start and end.
    public static func jobName(_ node: String) -> String {
        let full = "xg:" + node
        guard full.utf8.count > 120 else { return full }
        return String(full.prefix(80)) + "..." + String(full.suffix(37))
    }

    public var sbatchArguments: [String] {
        sbatchArguments(name: Self.jobName(node), output: logPath)
    }

    /// This request's resources, placement and dependencies under another job name and
    /// `--output` path (an array of nodes of this shape). `more` goes before the profile's own
    /// arguments, which always come last.
    public func sbatchArguments(name: String, output: String, more: [String] = []) -> [String] {
        var a = ["--parsable", "--job-name=" + name, "--output=" + output, "--open-mode=append",
                 "--chdir=" + workingDirectory, "--cpus-per-task=\(max(1, resources.cpus))"]
        if resources.memMB > 0 { a.append("--mem=\(resources.memMB)M") }
        if resources.gpus > 0 { a.append("--gres=gpu:\(resources.gpus)") }
        if let t = resources.timeSeconds { a.append("--time=" + Self.slurmTime(t + Self.timeMargin)) }
        a += Self.placement(profile)
        if resume {
            a.append("--requeue")
            // B: the signal goes to the batch shell only, which is the runner (the script
            // `exec`s it); the runner passes it on to the step's process group.
            a.append("--signal=B:USR1@\(signalSeconds)")
        }
        if !afterOK.isEmpty {
            a.append("--dependency=afterok:" + afterOK.joined(separator: ":"))
            // A failed input would otherwise leave this job pending forever.
            a.append("--kill-on-invalid-dep=yes")
        }
        return a + more + profile.sbatchArgs
    }

    /// The profile's partition, account, qos, constraint and reservation as sbatch arguments
    /// (its `sbatch_args` come last, after everything xgraph writes).
    public static func placement(_ profile: SlurmProfile) -> [String] {
        var a: [String] = []
        if let p = profile.partition { a.append("--partition=" + p) }
        if let x = profile.account { a.append("--account=" + x) }
        if let x = profile.qos { a.append("--qos=" + x) }
        if let x = profile.constraint { a.append("--constraint=" + x) }
        if let x = profile.reservation { a.append("--reservation=" + x) }
        return a
    }

    /// Seconds before the end at which a `resume: true` job is signalled: the profile's (5
    /// minutes by default), but at most half the job's limit, since a signal at the start would
    /// requeue the job forever without progress.
    public var signalSeconds: Int {
        let wanted = profile.signalSeconds ?? SlurmProfile.defaultSignalSeconds
        guard let t = resources.timeSeconds else { return wanted }
        return max(1, min(wanted, Int(((t + Self.timeMargin) / 2).rounded(.down))))
    }

    /// The batch script: a readable header and the runner, every word quoted.
    public var script: String {
        """
        #!/bin/sh
        # xgraph node \(node.filter { !$0.isNewline })
        \(Self.binaryCheck(command.first ?? "xgraph"))
        exec \(command.map(shellQuote).joined(separator: " "))

        """
    }

    /// Script lines that end the job with a clear message when the xgraph binary is not
    /// where the compute node looks for it.
    static func binaryCheck(_ runner: String) -> String {
        """
        if [ ! -x \(shellQuote(runner)) ]; then
          echo "xgraph: \(echoable(runner)) is not an executable on $(hostname); put xgraph where compute nodes see it (a shared file system) or set XGRAPH_REMOTE_BIN" >&2
          exit 127
        fi
        """
    }

    /// `text` without what a double-quoted shell string would expand or end at.
    static func echoable(_ text: String) -> String {
        text.filter { $0 != "\"" && $0 != "$" && $0 != "`" && $0 != "\\" && !$0.isNewline }
    }

    /// Slurm's `days-hours:minutes:seconds`, rounded up to whole seconds.
    public static func slurmTime(_ seconds: Double) -> String {
        let total = Int(min(max(seconds.rounded(.up), 1), 365 * 86_400 * 10))
        let d = total / 86_400, h = total % 86_400 / 3600, m = total % 3600 / 60, s = total % 60
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(d)-\(two(h)):\(two(m)):\(two(s))"
    }
}
