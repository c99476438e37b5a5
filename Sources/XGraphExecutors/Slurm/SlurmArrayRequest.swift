import Foundation
import XGraphCore

/// Several units of nodes of one shape (resources, placement, requeue) as one Slurm job
/// array: one `sbatch --array=0-(n-1)%M` instead of n, which is what cluster admins ask of
/// tools that submit thousands of jobs (each `sbatch` is a round trip to the controller, and
/// a user's jobs are capped).
///
/// The array lives in a folder of the store: `units` holds one line per task (the runner of its
/// unit, every word quoted), and Slurm writes task i's output to `FOLDER/i`, which for a task
/// of one node the head made a link to that node's log, so its log is where a single job's
/// would be.
public struct SlurmArrayRequest: Sendable {
    /// Resources, placement and requeue of every task (its node, command and log are unused).
    public var shape: SlurmJobRequest
    /// The job name squeue shows for every task.
    public var name: String
    public var folder: String
    /// Task i runs the argument vector `units[i]`: the runner of its node, or of its nodes one
    /// after another (`NodeRunnerCommand`).
    public var units: [[String]]
    /// At most this many tasks of the array run at once (`%M`).
    public var throttle: Int

    public init(shape: SlurmJobRequest, name: String, folder: String, units: [[String]], throttle: Int) {
        self.shape = shape; self.name = name; self.folder = folder; self.units = units
        self.throttle = max(1, throttle)
    }

    public var unitsPath: String { folder + "/units" }
    /// Slurm's `--output` for every task: `%a` is the task's index.
    public var outputPattern: String { folder + "/%a" }
    /// Task `i`'s output as squeue and scontrol name it once the pattern is filled in.
    public static func output(folder: String, task: Int) -> String { folder + "/\(task)" }

    public var sbatchArguments: [String] {
        shape.sbatchArguments(name: name, output: outputPattern,
                              more: ["--array=0-\(max(0, units.count - 1))%\(min(throttle, max(1, units.count)))"])
    }

    /// The `units` file, or nil when a word holds a line break (a line per task could not hold
    /// it; such nodes go out as single jobs).
    public var unitsText: String? {
        var text = ""
        for unit in units {
            guard let line = Self.line(unit) else { return nil }
            text += line + "\n"
        }
        return text
    }

    /// One task's shell line: it `exec`s the unit's runner, so the runner is the batch shell
    /// (`--signal=B:USR1` and a cancel's SIGTERM reach it, as in a single job). A unit of one
    /// node has Slurm's output, linked to the node's log, take the runner's; a runner of several
    /// nodes writes each node's part into that node's log itself, and the task's output keeps
    /// Slurm's own lines and what the runner says about no node in particular (a log it could
    /// not open). Nil when a word holds a line break.
    static func line(_ command: [String]) -> String? {
        guard !command.isEmpty, !command.contains(where: { $0.contains(where: \.isNewline) }) else { return nil }
        return "exec " + command.map(shellQuote).joined(separator: " ")
    }

    /// The batch script: it reads its own line of `units` and runs it.
    public var script: String {
        let units = shellQuote(unitsPath)
        let runner = self.units.first?.first ?? "xgraph"
        return """
            #!/bin/sh
            # xgraph array \(name.filter { !$0.isNewline }): \(self.units.count) tasks, one line each in \(unitsPath.filter { !$0.isNewline })
            \(SlurmJobRequest.binaryCheck(runner))
            unit=$(sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" \(units))
            if [ -z "$unit" ]; then
              echo "xgraph: no line $((SLURM_ARRAY_TASK_ID + 1)) in \(SlurmJobRequest.echoable(unitsPath)) (was the store's jobs/arrays folder removed?)" >&2
              exit 1
            fi
            eval "$unit"

            """
    }
}
