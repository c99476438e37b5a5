import Foundation
import XGraphBuild
import XGraphCore
import XGraphExecutors

/// What the Slurm paths of `build` print.
enum SlurmReport {
    static func detached(_ r: DetachReport, file: String) -> String {
        var lines: [String] = []
        for (node, job) in r.replaced { lines.append("cancelled \(node)'s Slurm job \(job): submitted before the node changed") }
        for (node, job) in r.submitted { lines.append("queued \(node) (Slurm job \(job))") }
        for (node, job) in r.followed { lines.append("still queued \(node) (Slurm job \(job), from an earlier build)") }
        for (node, why) in r.blocked { lines.append("BLOCKED \(node): \(why)") }
        var summary = "submitted \(r.submitted.count) job\(r.submitted.count == 1 ? "" : "s")"
        if !r.followed.isEmpty { summary += ", \(r.followed.count) already queued" }
        summary += ", \(r.cached) cached"
        if !r.left.isEmpty { summary += ", \(r.left.count) not submitted (--max-queued); run the same command again once the queue drains" }
        if !r.blocked.isEmpty { summary += ", \(r.blocked.count) blocked" }
        lines.append(summary)
        lines.append("follow it with `xgraph status \(file)`; stop it with `xgraph cancel \(file)`")
        return lines.joined(separator: "\n")
    }

    /// After Ctrl-C: on a terminal, ask whether to cancel this build's jobs; otherwise leave them
    /// running (they record their nodes in the store all the same) and say so.
    static func afterInterrupt(_ executor: SlurmExecutor, file: String) async {
        let jobs = executor.liveJobs
        guard !jobs.isEmpty else { return }
        let list = jobs.prefix(10).joined(separator: ", ") + (jobs.count > 10 ? ", …" : "")
        if isatty(STDIN_FILENO) == 1 {
            Console.err("\(jobs.count) Slurm job\(jobs.count == 1 ? "" : "s") of this build \(jobs.count == 1 ? "is" : "are") still queued or running (\(list)).\n"
                + "Cancel them? [y/N] ")
            if let answer = readLine(), answer.lowercased().hasPrefix("y") {
                do {
                    try await executor.cancel(jobs)
                    Console.err("cancelled \(jobs.count) job\(jobs.count == 1 ? "" : "s")\n")
                } catch {
                    Console.err("\(error)\n")
                }
                return
            }
        }
        Console.err("left \(jobs.count) Slurm job\(jobs.count == 1 ? "" : "s") running (\(list)); they record their nodes in the store. "
            + "`xgraph status \(file)` follows them, `xgraph cancel \(file)` stops them\n")
    }
}
