import Foundation
import XGraphBuild
import XGraphCore
import XGraphGraph
import XGraphSpec
import XGraphStore
#if canImport(Glibc)
import Glibc
#endif

/// `--plan-loop=DIR`: the in-process no-op plan of DIR/study.yaml (built beforehand, e.g. with
/// `--keep-scratch`), repeated, for `perf record`: each phase's median per node, nothing else.
enum PlanLoop {
    static func run(dir: String, rounds: Int = 50) throws {
        var load: [Double] = [], expand: [Double] = [], open: [Double] = [], plan: [Double] = []
        var n = 0
        for _ in 0..<rounds {
            let t0 = cpuNow()
            let spec = try SpecLoader.load(path: dir + "/study.yaml")
            let t1 = cpuNow()
            let graph = try Expander.expand(spec)
            let t2 = cpuNow()
            let store = try Store(root: dir + "/cache")
            let planner = Planner(graph: graph, store: store, options: BuildOptions(builtinVersion: BuiltinSteps.version))
            let t3 = cpuNow()
            let p = try planner.plan(selection: Array(graph.nodes.indices))
            let t4 = cpuNow()
            if p.toRun != 0 { say("  (the plan still runs \(p.toRun) nodes)") }
            n = graph.nodes.count
            load.append(t1 - t0); expand.append(t2 - t1)
            open.append(t3 - t2); plan.append(t4 - t3)
        }
        let per = { (xs: [Double]) in OutputsBench.us(median(xs) / Double(max(n, 1))) }
        say("\(n) nodes, per node (median of \(rounds)): load \(per(load)), expand \(per(expand)),"
              + " open store \(per(open)), key+decide \(per(plan)),"
              + " total \(OutputsBench.us(zip(zip(load, expand), zip(open, plan)).map { $0.0 + $0.1 + $1.0 + $1.1 }.sorted()[rounds / 2] / Double(max(n, 1))))")
    }

    /// CPU seconds of this process so far (all threads).
    static func cpuNow() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
