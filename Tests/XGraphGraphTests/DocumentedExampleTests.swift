import Foundation
import SpecFixtures
import XCTest
import XGraphGraph
import XGraphSpec

/// The full example in docs/spec-format.md loads and expands as the document says.
final class DocumentedExampleTests: XCTestCase {
    static let example = #"""
include: [catalog.yaml]              # more declarations, merged (see "Includes")

datasets:
  jft:     { path: /data/jft, fingerprint: stat, items: 300M }
  coco:    { path: data/coco, fingerprint: version, version: "2017", attrs: { classes: 80 } }
  fashion: { source: builtin:fashion-mnist }

subsets:
  jft: { dataset: jft, sizes: [10M, 30M, 100M, 300M], nested: true, seed: 0, label_noise: 0.2 }

models:
  resnet:
    params: { arch: resnet }
    capacities: { r50: {depth: 50}, r101: {depth: 101}, r152: {depth: 152} }

tasks:
  coco-det:  { metric: ap,   dataset: coco }
  voc-det:   { metric: ap50 }
  coco-seg:  { metric: miou }
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
    command: python train.py --subset {{ inputs.subset }}/indices.npy --depth {{ model.depth }} --lr {{ params.lr }} --out {{ out }}
    outputs: [model.pt]
    code: [train.py, lib/]
    env: { PYTHONHASHSEED: "0" }
    resources: { gpus: 8, cpus: 32, mem: 256G, time: 72h }
    gpus_affect_results: false
    retries: 0
    resume: true
    estimate: 48h
    mutex: [imagenet-disk]
    exclude: [{data: 300M, model: r152}]

  finetune:
    foreach: { data: subsets.jft, model: models.resnet, task: tasks, mode: [frozen, finetune] }
    exclude: [{data: 300M, model: r152}]          # its checkpoint is excluded above
    inputs: { ckpt: pretrain }
    command: >-
      python finetune.py --ckpt {{ inputs.ckpt }}/model.pt --task {{ task }}
      --metric {{ task.metric }} --mode {{ mode }} --params {{ params_file }} --out {{ out }}
    resources: { gpus: 1 }

  probe:
    foreach: { model: models.resnet }
    inputs:
      ckpt: { step: pretrain, where: { data: 100M } }
    command: python probe.py --ckpt {{ inputs.ckpt }}/model.pt --out {{ out }}
"""#

    func testTheDocumentedExampleExpandsToTheCountsItStates() throws {
        let f = Fixture()
        f.write("train.py", "")
        f.write("lib/model.py", "")
        f.write("catalog.yaml", "datasets:\n  imagenet: { path: /data/imagenet, items: 1.28M }\n")
        let g = try Expander.expand(try f.load(DocumentedExampleTests.example))
        func count(_ step: String) -> Int { g.nodes.filter { $0.step == step }.count }
        XCTAssertEqual(g.nodes.map(\.id).filter { $0.hasPrefix("dataset/") }, ["dataset/jft"])
        XCTAssertEqual(count("subset"), 4)
        XCTAssertEqual(count("pretrain"), 11)
        XCTAssertEqual(count("finetune"), 88)
        XCTAssertEqual(count("probe"), 3)
        let probe = g.nodes[g.index(of: "probe/model=r50")!]
        XCTAssertEqual(probe.inputs.map(\.node), ["pretrain/data=100M/model=r50"])
        let pt = g.nodes[g.index(of: "pretrain/data=30M/model=r101")!]
        XCTAssertEqual(pt.codeNames, ["train.py", "lib/"])
        XCTAssertEqual(pt.code, [f.dir + "/train.py", f.dir + "/lib"])
        XCTAssertEqual(pt.workdir, f.dir)
        XCTAssertEqual(pt.resources.memMB, 256 * 1024)
        XCTAssertEqual(pt.mutex, ["imagenet-disk"])
        XCTAssertEqual(pt.estimateSeconds, 48 * 3600)
        XCTAssertTrue(pt.resume)
        XCTAssertEqual(pt.env, ["PYTHONHASHSEED": "0"])
        let ft = g.nodes[g.index(of: "finetune/data=30M/model=r101/task=coco-det/mode=frozen")!]
        XCTAssertEqual(ft.command, "python finetune.py --ckpt {{inputs.ckpt}}/model.pt --task coco-det "
            + "--metric ap --mode frozen --params {{params_file}} --out {{out}}")
    }
}
