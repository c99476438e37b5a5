import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphExecutors

/// Where nodes run, and the Slurm profile fields the command line overrides.
struct ExecutorOptions: ParsableArguments {
    @Option(name: .long, help: "local or slurm (default: the file's `executor:`, else $XGRAPH_EXECUTOR, else local).")
    var executor: String?

    @Option(name: .long, help: "Slurm: at most N of this build's jobs in the queue at once (default \(SlurmSettings.defaultMaxQueued)).")
    var maxQueued: Int?

    @Option(name: .long, help: "Slurm: at most N tasks of one job array running at once (sbatch --array=...%N; overrides the profiles' max_running; default: --max-queued).")
    var maxRunning: Int?

    @Option(name: .long, help: "Slurm: on (default) submits nodes of one shape that are ready together as one job array; off: one sbatch per node.")
    var slurmArrays: String?

    @Option(name: .long, help: "Slurm partition (overrides the file's and steps' profiles).")
    var partition: String?
    @Option(name: .long, help: "Slurm account.")
    var account: String?
    @Option(name: .long, help: "Slurm QOS.")
    var qos: String?
    @Option(name: .long, help: "Slurm node constraint (features).")
    var constraint: String?
    @Option(name: .long, help: "Slurm reservation.")
    var reservation: String?
    @Option(name: .customLong("sbatch-arg"), help: "One more sbatch argument, e.g. --sbatch-arg=--exclusive. Repeatable.")
    var sbatchArgs: [String] = []

    func validate() throws {
        if let m = maxQueued, !(1...1_000_000).contains(m) { throw ValidationError("--max-queued must be between 1 and 1000000, found \(m)") }
        if let m = maxRunning, !(1...1_000_000).contains(m) { throw ValidationError("--max-running must be between 1 and 1000000, found \(m)") }
        if let a = slurmArrays, a != "on" && a != "off" { throw ValidationError("--slurm-arrays \(a): expected on or off") }
        for a in sbatchArgs {
            if let problem = SbatchOptions.problem(with: a) { throw ValidationError("--sbatch-arg '\(a)': \(problem)") }
        }
    }

    /// The executor asked for: the command line, then the environment, then the file.
    func kind(file: ExecutorKind?) throws -> ExecutorKind {
        let env = ProcessInfo.processInfo.environment["XGRAPH_EXECUTOR"].flatMap { $0.isEmpty ? nil : $0 }
        let given: (text: String, from: String)? = executor.map { ($0, "--executor") } ?? env.map { ($0, "XGRAPH_EXECUTOR") }
        guard let given else { return file ?? .local }
        guard let k = ExecutorKind(rawValue: given.text) else {
            throw XGraphError.usage("\(given.from) \(given.text): expected one of \(ExecutorKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return k
    }

    var profile: SlurmProfile {
        SlurmProfile(partition: partition, account: account, qos: qos, constraint: constraint,
                     reservation: reservation, sbatchArgs: sbatchArgs, maxRunning: maxRunning)
    }

    /// Slurm settings for a head build of `ws`, or nil for the local executor.
    func slurmSettings(_ ws: Workspace) throws -> SlurmSettings? {
        guard try kind(file: ws.executor) == .slurm else { return nil }
        return SlurmSettings(executor: SlurmExecutor(), profile: profile,
                             maxQueued: maxQueued ?? SlurmSettings.defaultMaxQueued, xgraph: try Self.remoteBinary(),
                             specFile: ws.specPath, workingDirectory: FileManager.default.currentDirectoryPath,
                             arrays: slurmArrays != "off")
    }

    /// The xgraph binary jobs run: $XGRAPH_REMOTE_BIN, else this very binary (which must then
    /// be on a file system the compute nodes share; the probe job checks).
    static func remoteBinary() throws -> String {
        if let b = ProcessInfo.processInfo.environment["XGRAPH_REMOTE_BIN"], !b.isEmpty {
            guard b.hasPrefix("/") else { throw XGraphError.usage("XGRAPH_REMOTE_BIN \(b): give an absolute path") }
            return b
        }
        return RunningProgram.path
    }
}
