import Foundation
import XGraphBuild
import XGraphCore
import XGraphGraph
import XGraphSpec
import XGraphStore

/// `--plan-loop=DIR`: the in-process no-op plan of DIR/study.yaml (built beforehand, e.g. with
/// `--keep-scratch`), repeated, for `perf record`: each phase's median per node, nothing else.
enum PlanLoop {
    static func run(dir: String, rounds: Int = 50) throws {
        var load: [Double] = [], expand: [Double] = [], open: [Double] = [], plan: [Double] = []
        var n = 0
        for _ in 0..<rounds {
            let t0 = Date()
            let spec = try SpecLoader.load(path: dir + "/study.yaml")
            let t1 = Date()
            let graph = try Expander.expand(spec)
            let t2 = Date()
            let store = try Store(root: dir + "/cache")
            let builder = Builder(graph: graph, store: store, executor: NullExecutor(),
                                  renderer: CommandRenderer(builtinCommand: []),
                                  options: BuildOptions(builtinVersion: BuiltinSteps.version),
                                  provenance: BuildProvenance(gitCommit: nil, gitBranch: nil, gitDirty: nil, gitDiffDigest: nil))
            let t3 = Date()
            let p = try builder.plan(selection: Array(graph.nodes.indices))
            let t4 = Date()
            if p.toRun != 0 { say("  (the plan still runs \(p.toRun) nodes)") }
            n = graph.nodes.count
            load.append(t1.timeIntervalSince(t0)); expand.append(t2.timeIntervalSince(t1))
            open.append(t3.timeIntervalSince(t2)); plan.append(t4.timeIntervalSince(t3))
        }
        let per = { (xs: [Double]) in OutputsBench.us(median(xs) / Double(max(n, 1))) }
        say("\(n) nodes, per node (median of \(rounds)): load \(per(load)), expand \(per(expand)),"
              + " open store \(per(open)), key+decide \(per(plan)),"
              + " total \(OutputsBench.us(zip(zip(load, expand), zip(open, plan)).map { $0.0 + $0.1 + $1.0 + $1.1 }.sorted()[rounds / 2] / Double(max(n, 1))))")
    }
}
