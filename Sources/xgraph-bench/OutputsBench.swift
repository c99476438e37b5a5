import Foundation
import XGraphBuild
import XGraphCore
import XGraphGraph
import XGraphSpec
import XGraphStore
#if canImport(Glibc)
import Glibc
#endif

/// The per-executed-node targets, on the scaling-study graph whose steps write real outputs (three small
/// files and a `metrics.json` per node, from a `code:` file): ≤ 3 ms per executed node over the
/// same commands run by a plain shell loop (the "shell floor") on ext4, peak RSS of a full build
/// under 100 MB at 5k nodes and under 250 MB at 50k, a no-op build of 50k nodes ≤ 0.5 s (10 µs
/// per node) and a no-op plan ≤ 10 µs per node. About 1k nodes always; `--large` adds 50k nodes,
/// which takes many minutes.
enum OutputsBench {
    static func run(xgraph: String, scratch: String, large: Bool, shape custom: String?, keep: Bool) throws {
        say("\n== builds with real outputs (scaling-study graph; shell steps write 4 files each)")
        if geteuid() == 0 && ProcessInfo.processInfo.environment["XGRAPH_READONLY_INPUTS"] != "off" {
            say("  (as root: each job with inputs starts through xgraph-readonly, which makes a mount namespace with"
                  + " 2 folders read-only; XGRAPH_READONLY_INPUTS=off leaves it out)")
        }
        // The small graph runs with -j 1 against the sequential floor, so wall times compare;
        // the large one with the default -j (one job per core), where only CPU times compare.
        var shapes: [(sizes: Int, capacities: Int, tasks: Int, jobs: Int?)] = [(5, 5, 19, 1)]
        if large { shapes.append((10, 25, 100, nil)) }
        if let custom {
            let n = custom.split(separator: ",").compactMap { Int($0) }
            guard n.count == 3, n.allSatisfy({ $0 > 0 }) else {
                say("  --outputs-shape takes three positive numbers: sizes,capacities,tasks (e.g. 2,5,10); got '\(custom)'")
                return
            }
            shapes = [(n[0], n[1], n[2], nil)]
        }
        for shape in shapes {
            let n = StudyGenerator.nodeCount(sizes: shape.sizes, capacities: shape.capacities, tasks: shape.tasks)
            let executed = n - 1 // the dataset never runs
            let dir = scratch + "/outputs-\(n)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let study = StudyGenerator.outputStudy(sizes: shape.sizes, capacities: shape.capacities, tasks: shape.tasks)
            try study.yaml.write(toFile: dir + "/study.yaml", atomically: true, encoding: .utf8)
            try study.step.write(toFile: dir + "/step.sh", atomically: true, encoding: .utf8)
            try study.floor.write(toFile: dir + "/floor.sh", atomically: true, encoding: .utf8)
            try (0..<(shape.sizes * 1000)).map { "\($0)\n" }.joined().write(toFile: dir + "/data.txt", atomically: true, encoding: .utf8)

            // The small graph is measured three times, each time the floor and then a full build
            // into a store of its own, and the best of each counts: on this kind of machine the
            // file system's state moves single runs by a millisecond per node.
            // Nothing is deleted here (the scratch folder goes at exit): on ext4 without a journal
            // every inode freed in the last seconds to minutes slows each file creation in its
            // block group, so deleting one run's files would charge that to the next run.
            let jobs = shape.jobs.map { ["-j", String($0)] } ?? []
            let reps = shape.jobs == 1 ? 3 : 1
            var floors: [Measured] = [], fulls: [Measured] = []
            var failed = false
            for r in 0..<reps {
                let last = r == reps - 1
                let floorDir = last ? "floor" : "floor-\(r)"
                let f = spawnMeasured(["env", "XGRAPH_FLOOR_DIR=\(floorDir)", "/bin/sh", "floor.sh"], cwd: dir)
                guard f.status == 0 else { say("  the shell floor of \(n) nodes failed (\(f.status))"); failed = true; break }
                floors.append(f)
                let store = last ? [] : ["env", "XGRAPH_STORE=\(dir)/cache-\(r)"]
                let b = spawnMeasured(store + [xgraph, "build", "study.yaml"] + jobs, cwd: dir)
                guard b.status == 0 else { say("  full build of \(n) nodes failed (\(b.status))"); failed = true; break }
                fulls.append(b)
            }
            if failed { continue }
            func best(_ ms: [Measured]) -> Measured {
                var m = ms[0]
                m.seconds = ms.map(\.seconds).min() ?? m.seconds
                m.cpuSeconds = ms.map(\.cpuSeconds).min() ?? m.cpuSeconds
                m.maxRSSMB = ms.map(\.maxRSSMB).max() ?? m.maxRSSMB
                return m
            }
            let floor = best(floors), full = best(fulls)
            let per = Double(executed)
            say("  \(n) nodes, full build (-j \(shape.jobs.map(String.init) ?? "default")\(reps > 1 ? ", best of \(reps)" : "")): \(String(format: "%.1f s", full.seconds)) wall,"
                  + " \(String(format: "%.1f s", full.cpuSeconds)) CPU; shell floor (sequential) \(String(format: "%.1f s", floor.seconds)) wall,"
                  + " \(String(format: "%.1f s", floor.cpuSeconds)) CPU")
            var over = "    over the shell floor per executed node: \(ms((full.cpuSeconds - floor.cpuSeconds) / per)) CPU"
            if shape.jobs == 1 { over += ", \(ms((full.seconds - floor.seconds) / per)) wall" }
            say(over + " (target ≤ 3 ms)")
            say("    peak RSS of the full build \(String(format: "%.0f MB", full.maxRSSMB))"
                  + " (target < \(n > 20_000 ? "250 MB" : "100 MB at 5k nodes"))")

            var noop: [Measured] = [], plans: [Measured] = [], inProcess: [Double] = []
            for _ in 0..<3 {
                noop.append(spawnMeasured([xgraph, "build", "study.yaml"], cwd: dir))
                plans.append(spawnMeasured([xgraph, "plan", "study.yaml"], cwd: dir))
                let t0 = Date()
                let graph = try Expander.expand(try SpecLoader.load(path: dir + "/study.yaml"))
                let planner = Planner(graph: graph, store: try Store(root: dir + "/cache"),
                                      options: BuildOptions(builtinVersion: BuiltinSteps.version))
                let plan = try planner.plan(selection: Array(graph.nodes.indices))
                inProcess.append(Date().timeIntervalSince(t0))
                if plan.toRun != 0 { say("    (the plan after a full build still runs \(plan.toRun) nodes)") }
            }
            let noopWall = median(noop.map(\.seconds))
            say("    no-op `xgraph build` \(ms(noopWall)) (\(us(noopWall / Double(n))) per node; target ≤ 0.5 s at 50k nodes, 10 µs per node),"
                  + " peak RSS \(String(format: "%.0f MB", noop.map(\.maxRSSMB).max() ?? 0))")
            say("    no-op plan: load+expand+key+decide \(us(median(inProcess) / Double(n))) per node in process (target ≤ 10 µs),"
                  + " `xgraph plan` \(ms(median(plans.map(\.seconds))))")

            // One capacity's seed changed: its pretrain nodes and their transfers run again.
            let yaml = try String(contentsOfFile: dir + "/study.yaml", encoding: .utf8)
            try yaml.replacingOccurrences(of: "c0: { width: 64, seed: 0 }", with: "c0: { width: 64, seed: 1000 }")
                .write(toFile: dir + "/study.yaml", atomically: true, encoding: .utf8)
            let rerun = shape.sizes * (1 + shape.tasks * 2)
            let changed = spawnMeasured([xgraph, "build", "study.yaml"] + jobs, cwd: dir)
            say("    one seed changed (\(rerun) nodes run again): \(String(format: "%.2f s", changed.seconds)) wall,"
                  + " \(ms(changed.cpuSeconds / Double(rerun))) CPU per node run (exit \(changed.status))")
            // The store of 50k nodes is a few hundred thousand files: leave no scratch behind.
            if keep { say("    (kept: \(dir))") }
        }
    }

    static func us(_ s: Double) -> String { String(format: "%.1f µs", s * 1e6) }
}
