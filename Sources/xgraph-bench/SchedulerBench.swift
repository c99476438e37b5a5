import Foundation
import XGraphCore

/// The scheduler's targets: makespan / max(critical path, GPU-work / GPUs) ≤ 1.10 on a generated study
/// of sleep steps with GPU demands, and ≤ 5 ms of overhead per executed node against the same
/// commands run by a plain shell loop.
enum SchedulerBench {
    static func run(xgraph: String, scratch: String) throws {
        say("\n== scheduling (4 fake GPUs, sleep steps of known duration)")
        let dir = scratch + "/sched"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let gpus = 4, scale = 0.25
        let (yaml, durations) = StudyGenerator.sleepStudy(sizes: 3, capacities: 3, tasks: 4, scale: scale)
        try yaml.write(toFile: dir + "/sleep.yaml", atomically: true, encoding: .utf8)
        let common = [xgraph, "build", "sleep.yaml", "--gpus", String(gpus), "--cpus", "64", "-j", "64", "--json"]
        // The first build teaches the index each node's duration; the second is scheduled with them.
        _ = spawnMeasured(common, cwd: dir)
        let events = dir + "/events.jsonl"
        let second = spawnMeasured(common + ["--force", "*"], cwd: dir, stdoutPath: events)
        guard second.status == 0 else { say("  build failed (\(second.status))"); return }
        var first = Double.infinity, last = 0.0
        for line in try String(contentsOfFile: events, encoding: .utf8).split(separator: "\n") {
            guard let e = try? JSONValue.parse(Data(line.utf8)), let t = e["time"]?.doubleValue else { continue }
            if e["event"]?.stringValue == "started" { first = min(first, t) }
            if e["event"]?.stringValue == "finished" { last = max(last, t) }
        }
        let makespan = last - first
        var work = 0.0, critical = 0.0
        for (node, d) in durations {
            work += Double(d.gpus) * d.seconds
            if node.hasPrefix("pretrain/") { critical = max(critical, d.seconds + scale) }
        }
        let bound = max(critical, work / Double(gpus))
        say("  \(durations.count) nodes: makespan \(String(format: "%.2f s", makespan)), critical path \(String(format: "%.2f s", critical)),"
              + " GPU-work/GPUs \(String(format: "%.2f s", work / Double(gpus)))")
        say("  makespan / max(critical path, GPU-work/GPUs) = \(String(format: "%.3f", makespan / bound)) (target ≤ 1.10)")

        say("\n== overhead per executed node")
        let n = 200
        let odir = scratch + "/overhead"
        try FileManager.default.createDirectory(atPath: odir, withIntermediateDirectories: true)
        try """
            steps:
              noop:
                foreach: { i: [\((1...n).map(String.init).joined(separator: ", "))] }
                command: "true"

            """.write(toFile: odir + "/noop.yaml", atomically: true, encoding: .utf8)
        let built = spawnMeasured([xgraph, "build", "noop.yaml", "-j", "1"], cwd: odir)
        let shell = spawnMeasured(["/bin/sh", "-c", "for i in $(seq \(n)); do /bin/sh -c true; done"], cwd: odir)
        let perNode = built.seconds / Double(n), perShell = shell.seconds / Double(n)
        say("  \(n) nodes, -j 1: xgraph \(ms(perNode)) per node, plain shell loop \(ms(perShell)) per command")
        say("  overhead per node \(ms(perNode - perShell)) (target ≤ 5 ms), including hashing outputs, records and fsyncs")
    }
}
