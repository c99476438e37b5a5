import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphSpec

final class SpecLoaderTests: XCTestCase {
    func testLoadsEveryDeclarationInOrderWithAbsolutePathsAndParsedUnits() throws {
        let f = Fixture()
        f.write("train.py", "print(1)\n")
        f.write("lib/util.py", "\n")
        let spec = try f.load("""
        datasets:
          jft: { path: data/jft, fingerprint: stat, items: 300M }
          fashion: { source: builtin:fashion-mnist }
          coco: { path: /data/coco, fingerprint: version, version: "2026-01", attrs: { classes: 80 } }
        subsets:
          jft: { dataset: jft, sizes: [10M, 30M, 100M, 300M], seed: 3, label_noise: 0.2 }
        models:
          resnet:
            params: { arch: resnet }
            capacities: { r50: {depth: 50}, r101: {depth: 101} }
        tasks:
          coco-det: { metric: ap, dataset: coco }
        steps:
          pretrain:
            foreach: { data: subsets.jft, model: models.resnet, lr: [0.1, 0.01] }
            params: { epochs: 90 }
            command: python train.py --out {{ out }}
            outputs: [model.pt]
            code: [train.py, lib/]
            env: { PYTHONHASHSEED: "0" }
            resources: { gpus: 8, cpus: 32, mem: 256G, time: 72h }
            gpus_affect_results: true
            retries: 2
            resume: true
            estimate: "12:30:00"
            mutex: [imagenet-disk]
            exclude: [{data: 300M, model: [r50, r101]}]
        """)
        XCTAssertEqual(spec.file, f.dir + "/exp.yaml")
        XCTAssertEqual(spec.datasets.map(\.name), ["jft", "fashion", "coco"])
        XCTAssertEqual(spec.datasets[0].path, f.dir + "/data/jft")
        XCTAssertEqual(spec.datasets[0].fingerprint, .stat)
        XCTAssertEqual(spec.datasets[0].items, 300_000_000)
        XCTAssertEqual(spec.datasets[1].path, "/usr/share/datasets/fashion-mnist")
        XCTAssertEqual(spec.datasets[1].items, 60000)
        XCTAssertEqual(spec.datasets[1].fingerprint, .stat)
        XCTAssertEqual(spec.datasets[2].fingerprint, .version("2026-01"))
        XCTAssertEqual(spec.datasets[2].attributes, ["classes": .int(80)])
        XCTAssertEqual(spec.subsets[0].sizes.map(\.label), ["10M", "30M", "100M", "300M"])
        XCTAssertEqual(spec.subsets[0].sizes.map(\.count), [10_000_000, 30_000_000, 100_000_000, 300_000_000])
        XCTAssertEqual(spec.subsets[0].seed, 3)
        XCTAssertEqual(spec.subsets[0].nested, true)
        XCTAssertEqual(spec.subsets[0].labelNoise, 0.2)
        XCTAssertEqual(spec.models[0].capacities.map(\.name), ["r50", "r101"])
        XCTAssertEqual(spec.models[0].params, ["arch": .string("resnet")])
        XCTAssertEqual(spec.tasks[0].attributes["metric"], .string("ap"))

        let s = spec.steps[0]
        XCTAssertEqual(s.location, SourceLocation(file: f.dir + "/exp.yaml", line: 14, column: 3))
        XCTAssertEqual(s.foreach.map(\.name), ["data", "model", "lr"])
        XCTAssertEqual(s.foreach[0].source, .subsets("jft"))
        XCTAssertEqual(s.foreach[1].source, .models("resnet"))
        guard case .literal(let values) = s.foreach[2].source else { return XCTFail("\(s.foreach[2].source)") }
        XCTAssertEqual(values.map(\.label), ["0.1", "0.01"])
        XCTAssertEqual(values.map(\.value), [.double(0.1), .double(0.01)])
        XCTAssertEqual(s.code.map(\.written), ["train.py", "lib/"])
        XCTAssertEqual(s.code.map(\.absolute), [f.dir + "/train.py", f.dir + "/lib"])
        XCTAssertEqual(s.outputs, ["model.pt"])
        XCTAssertEqual(s.resources, Resources(gpus: 8, cpus: 32, memMB: 256 * 1024, timeSeconds: 72 * 3600))
        XCTAssertTrue(s.gpusAffectResults)
        XCTAssertEqual(s.retries, 2)
        XCTAssertTrue(s.resume)
        XCTAssertEqual(s.estimateSeconds, 12 * 3600 + 30 * 60)
        XCTAssertEqual(s.mutex, ["imagenet-disk"])
        XCTAssertEqual(s.exclude.map(\.values), [["data": ["300M"], "model": ["r50", "r101"]]])
        XCTAssertEqual(s.workdir, f.dir)
        XCTAssertEqual(s.env.map(\.name), ["PYTHONHASHSEED"])
    }

    func testStepDefaults() throws {
        let spec = try Fixture().load("steps:\n  hello: { command: echo hi }\n")
        let s = spec.steps[0]
        XCTAssertEqual(s.resources, Resources(gpus: 0, cpus: 1, memMB: 0, timeSeconds: nil))
        XCTAssertEqual(s.retries, 0)
        XCTAssertFalse(s.resume)
        XCTAssertFalse(s.gpusAffectResults)
        XCTAssertNil(s.estimateSeconds)
        XCTAssertTrue(s.foreach.isEmpty)
    }

    func testIncludeMergesDeclarationsAndResolvesPathsAgainstTheIncludedFile() throws {
        let f = Fixture()
        f.write("catalog/catalog.yaml", """
        datasets:
          jft: { path: jft-data, items: 300M }
        models:
          resnet: { capacities: { r50: {depth: 50} } }
        """)
        let spec = try f.load("""
        include: [catalog/catalog.yaml]
        subsets:
          jft: { dataset: jft, sizes: [10M] }
        steps:
          pretrain: { foreach: { data: subsets.jft, model: models.resnet }, command: echo }
        """)
        XCTAssertEqual(spec.datasets.map(\.name), ["jft"])
        XCTAssertEqual(spec.datasets[0].path, f.dir + "/catalog/jft-data")
        XCTAssertEqual(spec.datasets[0].location.file, f.dir + "/catalog/catalog.yaml")
        XCTAssertEqual(spec.files, [f.dir + "/exp.yaml", f.dir + "/catalog/catalog.yaml"])
        XCTAssertEqual(spec.models.map(\.name), ["resnet"])
    }
}
