import Foundation
import XGraphBuild
import XGraphCore
import XGraphGraph
import XGraphSpec
import XGraphStore
import XGraphTrainer

/// The no-op targets: a no-op build of 10,000 nodes under 300 ms and of 1,000 under 50 ms,
/// memory under 200 MB.
enum GraphBench {
    static func run(xgraph: String, scratch: String) throws {
        say("\n== planning and null builds (scaling-study graphs)")
        for (sizes, caps, tasks, target) in [(5, 5, 19, 0.050), (10, 10, 49, 0.300)] {
            let n = StudyGenerator.nodeCount(sizes: sizes, capacities: caps, tasks: tasks)
            let dir = scratch + "/graph-\(n)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try StudyGenerator.study(sizes: sizes, capacities: caps, tasks: tasks)
                .write(toFile: dir + "/study.yaml", atomically: true, encoding: .utf8)
            try (0..<(sizes * 1000)).map { "\($0)\n" }.joined().write(toFile: dir + "/data.txt", atomically: true, encoding: .utf8)

            let first = spawnMeasured([xgraph, "build", "study.yaml", "-j", "2"], cwd: dir)
            guard first.status == 0 else { say("  first build of \(n) nodes failed (\(first.status))"); continue }

            var expand: [Double] = [], keyed: [Double] = []
            for _ in 0..<3 {
                let t0 = Date()
                let graph = try Expander.expand(try SpecLoader.load(path: dir + "/study.yaml"))
                let t1 = Date()
                let planner = Planner(graph: graph, store: try Store(root: dir + "/cache"),
                                      options: BuildOptions(builtinVersion: BuiltinSteps.version))
                let plan = try planner.plan(selection: Array(graph.nodes.indices))
                precondition(plan.toRun == 0)
                expand.append(t1.timeIntervalSince(t0))
                keyed.append(Date().timeIntervalSince(t0))
            }
            var noop: [Measured] = [], plans: [Measured] = []
            for _ in 0..<5 {
                noop.append(spawnMeasured([xgraph, "build", "study.yaml"], cwd: dir))
                plans.append(spawnMeasured([xgraph, "plan", "study.yaml"], cwd: dir))
            }
            let noopWall = median(noop.map(\.seconds))
            say("  \(n) nodes: first build \(String(format: "%.1f s", first.seconds)) (\(ms(first.seconds / Double(n))) per node, -j 2)")
            say("    load+expand \(ms(median(expand))), expand+key+decide \(ms(median(keyed))) (in process)")
            say("    no-op `xgraph build` \(ms(noopWall)) (target < \(ms(target)): ratio \(String(format: "%.2f", noopWall / target))),"
                  + " peak RSS \(String(format: "%.0f MB", noop.map(\.maxRSSMB).max() ?? 0)) (target < 200 MB)")
            say("    `xgraph plan` \(ms(median(plans.map(\.seconds)))), peak RSS \(String(format: "%.0f MB", plans.map(\.maxRSSMB).max() ?? 0))")
        }
    }
}

