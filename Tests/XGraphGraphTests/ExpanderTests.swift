import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphGraph
import XGraphSpec

/// The paper's grid: 4 nested subsets × 3 depths pretrained, then 4 tasks × 2 modes fine-tuned.
let paperGrid = """
datasets:
  jft: { path: /data/jft, fingerprint: stat, items: 300M }
subsets:
  jft: { dataset: jft, sizes: [10M, 30M, 100M, 300M], nested: true, seed: 0, label_noise: 0.2 }
models:
  resnet:
    params: { arch: resnet }
    capacities: { r50: {depth: 50}, r101: {depth: 101}, r152: {depth: 152} }
tasks:
  coco-det: { metric: ap }
  voc-det: { metric: ap50 }
  coco-seg: { metric: miou }
  coco-pose: { metric: ap }
steps:
  subset:
    run: builtin:subset
    foreach: { data: subsets.jft }
    inputs: { dataset: datasets.jft }
  pretrain:
    foreach: { data: subsets.jft, model: models.resnet }
    inputs: { subset: subset }
    params: { epochs: 90, lr: 0.1 }
    command: python train.py --subset {{ inputs.subset }}/indices.npy --depth {{model.depth}} --lr {{ params.lr }} --out {{ out }}
    outputs: [model.pt]
  finetune:
    foreach: { data: subsets.jft, model: models.resnet, task: tasks, mode: [frozen, finetune] }
    inputs: { ckpt: pretrain }
    command: python ft.py --ckpt {{ inputs.ckpt }}/model.pt --task {{ task }} --metric {{ task.metric }} --mode {{ mode }} --out {{ out }}
"""

final class ExpanderTests: XCTestCase {
    func expand(_ yaml: String, _ f: Fixture = Fixture()) throws -> Graph {
        try Expander.expand(try f.load(yaml))
    }

    func expandError(_ yaml: String, _ f: Fixture = Fixture(), line: UInt = #line) -> (SourceLocation?, String) {
        do {
            _ = try expand(yaml, f)
            XCTFail("expected an error", line: line)
        } catch XGraphError.spec(let loc, let m) {
            return (loc, m)
        } catch {
            XCTFail("unexpected \(error)", line: line)
        }
        return (nil, "")
    }

    func testPaperGridNodeCountAndNames() throws {
        let g = try expand(paperGrid)
        // 1 dataset + 4 subsets + 4×3 pretrain + 4×3×4×2 finetune
        XCTAssertEqual(g.nodes.count, 1 + 4 + 12 + 96)
        XCTAssertEqual(g.nodes[0].id, "dataset/jft")
        XCTAssertEqual(Array(g.nodes[1...4].map(\.id)), ["subset/data=10M", "subset/data=30M", "subset/data=100M", "subset/data=300M"])
        XCTAssertEqual(g.nodes[5].id, "pretrain/data=10M/model=r50")
        XCTAssertEqual(g.nodes[6].id, "pretrain/data=10M/model=r101")
        XCTAssertNotNil(g.index(of: "pretrain/data=30M/model=r101"))
        XCTAssertEqual(g.nodes[17].id, "finetune/data=10M/model=r50/task=coco-det/mode=frozen")
        XCTAssertEqual(g.nodes.last?.id, "finetune/data=300M/model=r152/task=coco-pose/mode=finetune")
        let n = g.nodes[g.index(of: "finetune/data=30M/model=r101/task=voc-det/mode=frozen")!]
        XCTAssertEqual(n.axes, [AxisValue(axis: "data", value: "30M"), AxisValue(axis: "model", value: "r101"),
                                AxisValue(axis: "task", value: "voc-det"), AxisValue(axis: "mode", value: "frozen")])
        XCTAssertEqual(n.step, "finetune")
    }

    func testDatasetBecomesASourceNode() throws {
        let g = try expand(paperGrid)
        let d = g.nodes[0]
        XCTAssertEqual(d.kind, .source(path: "/data/jft", fingerprint: .stat))
        XCTAssertEqual(d.command, "")
        XCTAssertTrue(d.inputs.isEmpty)
        XCTAssertTrue(d.outputs.isEmpty)
        let s = g.nodes[1]
        XCTAssertEqual(s.kind, .builtin("subset"))
        XCTAssertEqual(s.command, "")
        XCTAssertEqual(s.inputs, [InputEdge(name: "dataset", node: "dataset/jft")])
    }

    func testInputMatchesTheUpstreamNodeWithTheSameSharedAxisValues() throws {
        let g = try expand(paperGrid)
        let ft = g.nodes[g.index(of: "finetune/data=30M/model=r101/task=coco-seg/mode=finetune")!]
        XCTAssertEqual(ft.inputs, [InputEdge(name: "ckpt", node: "pretrain/data=30M/model=r101")])
        let pt = g.nodes[g.index(of: "pretrain/data=100M/model=r152")!]
        XCTAssertEqual(pt.inputs, [InputEdge(name: "subset", node: "subset/data=100M")])
        let i = g.index(of: "pretrain/data=100M/model=r152")!
        XCTAssertEqual(g.dependencies(of: i), [g.index(of: "subset/data=100M")!])
        XCTAssertEqual(g.dependents(of: i).count, 8)
        XCTAssertTrue(g.dependents(of: i).allSatisfy { g.nodes[$0].id.hasPrefix("finetune/data=100M/model=r152/") })
    }

    func testParamsCarryStepParamsAndOneObjectPerAxis() throws {
        let g = try expand(paperGrid)
        let pt = g.nodes[g.index(of: "pretrain/data=30M/model=r101")!]
        XCTAssertEqual(pt.params.canonical,
            #"{"data":{"dataset":"jft","items":300000000,"kind":"subset","label_noise":0.2,"name":"30M","nested":true,"#
            + #""seed":0,"size":30000000,"subset":"jft"},"epochs":90,"lr":0.1,"#
            + #""model":{"arch":"resnet","depth":101,"kind":"capacity","model":"resnet","name":"r101"}}"#)
        let ft = g.nodes[g.index(of: "finetune/data=10M/model=r50/task=coco-det/mode=frozen")!]
        XCTAssertEqual(ft.params["task"], .object(["kind": .string("task"), "name": .string("coco-det"), "metric": .string("ap")]))
        XCTAssertEqual(ft.params["mode"], .string("frozen"))
    }

    func testCommandSubstitutesValuesAndKeepsRolePlaceholders() throws {
        let g = try expand(paperGrid)
        let pt = g.nodes[g.index(of: "pretrain/data=30M/model=r101")!]
        XCTAssertEqual(pt.command, "python train.py --subset {{inputs.subset}}/indices.npy --depth 101 --lr 0.1 --out {{out}}")
        XCTAssertEqual(pt.kind, .shell)
        let ft = g.nodes[g.index(of: "finetune/data=30M/model=r101/task=coco-pose/mode=frozen")!]
        XCTAssertEqual(ft.command, "python ft.py --ckpt {{inputs.ckpt}}/model.pt --task coco-pose --metric ap --mode frozen --out {{out}}")
    }

    func testValuesWithSpacesAndQuotesStayOneShellWordAndEnvIsNotQuoted() throws {
        let f = Fixture()
        let g = try expand("""
        steps:
          a:
            foreach: { lr: [0.1, 1e-3] }
            params: { note: "it's a b", n: 90, on: true, opt: { beta: 0.9 } }
            command: run {{params.note}} {{ params.n }} {{ params.on }} {{ params.opt.beta }} {{ params.opt }} {{ lr }} {{ params_file }}
            resume: true
            env: { NOTE: "{{ params.note }}", LR: "lr={{ lr }}", OUT: "{{ out }}/x", RESUME: "{{resume}}" }
        """, f)
        XCTAssertEqual(g.nodes.map(\.id), ["a/lr=0.1", "a/lr=1e-3"])
        let n = g.nodes[0]
        XCTAssertEqual(n.command, #"run 'it'\''s a b' 90 true 0.9 '{"beta":0.9}' 0.1 {{params_file}}"#)
        XCTAssertEqual(n.env, ["NOTE": "it's a b", "LR": "lr=0.1", "OUT": "{{out}}/x", "RESUME": "{{resume}}"])
    }

    func testQuotedValueIsReadBackByTheShellAsOneUnchangedWord() throws {
        let g = try expand("""
        steps:
          a:
            params: { note: "it's a b; $HOME `x`" }
            command: set -- {{ params.note }}; echo $#; printf '%s' "$1"
        """)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", g.nodes[0].command]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        p.waitUntilExit()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(out, "1\nit's a b; $HOME `x`")
    }

    func testExcludeAndOnlyFilterNodes() throws {
        let g = try expand("""
        steps:
          a:
            foreach: { x: [1, 2, 3], y: [p, q] }
            exclude: [{ x: 1, y: q }, { x: 3 }]
            command: echo {{ x }}{{ y }}
          b:
            foreach: { x: [1, 2, 3], y: [p, q] }
            only: [{ x: [1, 2], y: p }]
            command: echo
        """)
        XCTAssertEqual(g.nodes.map(\.id), ["a/x=1/y=p", "a/x=2/y=p", "a/x=2/y=q", "b/x=1/y=p", "b/x=2/y=p"])
        XCTAssertEqual(g.nodes[2].command, "echo 2q")
    }

    func testWherePinsAnUpstreamAxis() throws {
        let g = try expand("""
        steps:
          pretrain: { foreach: { data: [10M, 300M], model: [r50, r101] }, command: echo }
          probe:
            foreach: { model: [r50, r101] }
            inputs:
              ckpt: { step: pretrain, where: { data: 300M } }
            command: echo {{ inputs.ckpt }}
        """)
        let probe = g.nodes[g.index(of: "probe/model=r101")!]
        XCTAssertEqual(probe.inputs, [InputEdge(name: "ckpt", node: "pretrain/data=300M/model=r101")])
    }

    func testAnUpstreamReadUnderTwoNamesIsOneDependency() throws {
        let g = try expand("""
        steps:
          a: { command: echo }
          b:
            inputs: { x: a, y: a }
            command: cat {{ inputs.x }} {{ inputs.y }}
        """)
        let b = g.index(of: "b")!
        XCTAssertEqual(g.nodes[b].inputs, [InputEdge(name: "x", node: "a"), InputEdge(name: "y", node: "a")])
        XCTAssertEqual(g.dependencies(of: b), [g.index(of: "a")!])
        XCTAssertEqual(g.dependents(of: g.index(of: "a")!), [b])
        XCTAssertEqual(g.nodes[b].command, "cat {{inputs.x}} {{inputs.y}}")
    }

    func testStepsAreOrderedByDependencyThenDeclaration() throws {
        let g = try expand("""
        steps:
          report: { foreach: { x: [1, 2] }, inputs: { m: eval }, command: echo }
          eval: { foreach: { x: [1, 2] }, inputs: { t: train }, command: echo }
          other: { command: echo }
          train: { foreach: { x: [1, 2] }, command: echo }
        """)
        XCTAssertEqual(g.nodes.map(\.id), ["other", "train/x=1", "train/x=2", "eval/x=1", "eval/x=2", "report/x=1", "report/x=2"])
        for i in g.nodes.indices { XCTAssertTrue(g.dependencies(of: i).allSatisfy { $0 < i }) }
        XCTAssertEqual(g.nodes[5].inputs, [InputEdge(name: "m", node: "eval/x=1")])
    }
}
