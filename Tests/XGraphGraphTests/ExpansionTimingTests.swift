import Foundation
import SpecFixtures
import XCTest
import XGraphGraph
import XGraphSpec

/// Prints (never asserts: the machine is shared) how long a 10,000-node expansion takes.
final class ExpansionTimingTests: XCTestCase {
    func testPrintsTheTimeToExpandTenThousandNodes() throws {
        let sizes = (1...10).map { "\($0)M" }.joined(separator: ", ")
        let caps = (1...10).map { "c\($0): { depth: \($0 * 10) }" }.joined(separator: ", ")
        let tasks = (1...10).map { "  t\($0): { metric: m\($0) }" }.joined(separator: "\n")
        let spec = try Fixture().load("""
        datasets: { d: { path: /data/d, items: 1B } }
        subsets: { s: { dataset: d, sizes: [\(sizes)] } }
        models: { m: { capacities: { \(caps) } } }
        tasks:
        \(tasks)
        steps:
          subset: { run: builtin:subset, foreach: { data: subsets.s }, inputs: { dataset: datasets.d } }
          pretrain:
            foreach: { data: subsets.s, model: models.m }
            inputs: { subset: subset }
            params: { lr: 0.1, note: "a b" }
            command: python train.py --subset {{ inputs.subset }} --depth {{ model.depth }} --note {{ params.note }} --out {{ out }}
          finetune:
            foreach: { data: subsets.s, model: models.m, task: tasks, lr: [0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 1e-4, 3e-5, 1e-5, 3e-6] }
            inputs: { ckpt: pretrain }
            command: python ft.py --ckpt {{ inputs.ckpt }} --task {{ task }} --metric {{ task.metric }} --lr {{ lr }} --out {{ out }}
            env: { TASK: "{{ task }}" }
        """)
        // Graphs are kept until the end so that freeing one is not timed as expanding the next.
        var graphs = [try Expander.expand(spec)]
        var best = Double.infinity
        for _ in 0..<5 {
            let t0 = Date()
            graphs.append(try Expander.expand(spec))
            best = min(best, Date().timeIntervalSince(t0))
        }
        let graph = graphs[0]
        XCTAssertEqual(graph.nodes.count, 1 + 10 + 100 + 10_000)
        print("expansion of \(graph.nodes.count) nodes: \(String(format: "%.1f", best * 1000)) ms (best of 5)")
    }
}
