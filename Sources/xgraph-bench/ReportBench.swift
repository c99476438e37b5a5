import Foundation

/// The report's target: `xgraph report` on a 10,000-node study renders in under 2 s and under
/// 5 MB. The study is the scaling-study graph whose steps write a `metrics.json` (acc, loss), in
/// docs/report.md's shape: 5 sizes × 10 capacities × 100 tasks × 2 modes, so the page has two
/// metrics' 200 panels, pivots and fits over 10,000 transfer runs.
enum ReportBench {
    static func run(xgraph: String, scratch: String) throws {
        say("\n== xgraph report (scaling-study graph, every node with metrics)")
        let (sizes, capacities, tasks) = (5, 10, 100)
        let n = StudyGenerator.nodeCount(sizes: sizes, capacities: capacities, tasks: tasks)
        let dir = scratch + "/report-\(n)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let study = StudyGenerator.outputStudy(sizes: sizes, capacities: capacities, tasks: tasks)
        try study.yaml.write(toFile: dir + "/study.yaml", atomically: true, encoding: .utf8)
        try study.step.write(toFile: dir + "/step.sh", atomically: true, encoding: .utf8)
        try (0..<(sizes * 1000)).map { "\($0)\n" }.joined().write(toFile: dir + "/data.txt", atomically: true, encoding: .utf8)
        let build = spawnMeasured([xgraph, "build", "study.yaml"], cwd: dir)
        guard build.status == 0 else { say("  build of \(n) nodes failed (\(build.status))"); return }

        let argv = [xgraph, "report", "study.yaml", "--step", "transfer", "-o", "report.html", "-v"]
        let command = "xgraph report study.yaml --step transfer -o report.html"
        // The first report after the build reads each record the build wrote once; later ones
        // find the store unchanged.
        let first = spawnMeasured(argv, cwd: dir, stderrPath: dir + "/first.err")
        guard first.status == 0 else { say("  `\(command)` failed (\(first.status))"); return }
        // Past the racy window, so the unchanged runs measure what a user meets later.
        Thread.sleep(forTimeInterval: 2.1)
        var again: [Measured] = []
        for i in 0..<3 { again.append(spawnMeasured(argv, cwd: dir, stderrPath: dir + "/again\(i).err")) }
        let wall = median(again.map(\.seconds))
        let bytes = (try? FileManager.default.attributesOfItem(atPath: dir + "/report.html")[.size] as? Int) ?? 0
        say("  \(n) nodes (\(sizes * capacities * tasks * 2) transfer runs), `\(command)`:")
        say("    unchanged store \(String(format: "%.2f s", wall)) (target < 2 s: ratio \(String(format: "%.2f", wall / 2))),"
              + " first after the build \(String(format: "%.2f s", first.seconds)), peak RSS \(String(format: "%.0f MB", again.map(\.maxRSSMB).max() ?? 0))")
        say("    report.html \(String(format: "%.2f MB", Double(bytes) / 1_048_576)) (target < 5 MB)")
        // The command's own split (-v), of the median run.
        let middle = again.indices.sorted { again[$0].seconds < again[$1].seconds }[again.count / 2]
        for (label, file) in [("first", "first.err"), ("unchanged", "again\(middle).err")] {
            let text = (try? String(contentsOfFile: dir + "/" + file, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").last(where: { $0.hasPrefix("report:") }) {
                say("    \(label): \(line.dropFirst("report: ".count))")
            }
        }
    }
}
