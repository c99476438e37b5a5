import Foundation
import XCTest

/// The shipped study files of the seed papers plan as their headers say: node counts per step,
/// no blocked node, and the GPU-hour totals the header comments derive. Plan only (nothing
/// runs), on declared machine resources so the result does not depend on this machine.
final class StudyPlanTests: XCTestCase {
    static let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("experiments")

    struct Plan {
        var perStep: [String: Int]
        var totals: [String: Any]
    }

    /// `xgraph plan FILE --json` on a copy of the file and the catalogue it includes.
    func plan(_ file: String) throws -> Plan {
        let h = try CLIHarness()
        for path in [file, "catalog/vision-datasets.yaml"] {
            try h.write(path, try String(contentsOf: Self.experiments.appendingPathComponent(path), encoding: .utf8))
        }
        let r = try h.run(["plan", file, "--json", "--gpus", "8", "--cpus", "96", "--mem", "1T"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertFalse(r.err.contains("error"), r.err)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], r.all)
        let nodes = try XCTUnwrap(json["nodes"] as? [[String: Any]])
        var perStep: [String: Int] = [:]
        for node in nodes {
            let name = try XCTUnwrap(node["node"] as? String)
            perStep[String(name.prefix { $0 != "/" }), default: 0] += 1
        }
        return Plan(perStep: perStep, totals: try XCTUnwrap(json["totals"] as? [String: Any]))
    }

    func testBigTransferPlansEveryNodeOfItsGrid() throws {
        let p = try plan("bit.yaml")
        // 3 upstreams × 5 models; VTAB: × 19 tasks; full data: × 5 tasks less BiT-S on
        // ImageNet; few-shot: that × 4 shot counts × 5 draws; ObjectNet for BiT-M and BiT-L × 5
        // models; the long schedule: R50x1 on 2 upstreams, × 19 VTAB tasks.
        XCTAssertEqual(p.perStep, ["dataset": 3, "pretrain": 15, "vtab": 285, "finetune": 70, "fewshot": 1400,
                                   "objectnet": 10, "pretrain-long": 2, "vtab-long": 38])
        XCTAssertEqual(p.totals["nodes"] as? Int, 1823)
        XCTAssertEqual(p.totals["blocked"] as? Int, 0)
        // 225,330 before the ObjectNet (20) and long-schedule (928 + 76) arms.
        XCTAssertEqual(p.totals["gpu_hours"] as? Double, 226_354)
    }

    func testJFTPlansTheSubsetGridTheImageNetBaselinesAndTheReplicateSeeds() throws {
        let p = try plan("jft-300m.yaml")
        // 4 sizes × 3 seeds; 12 + 2 × 4 ResNet-50 replicates; 4 × 3 × 5 tasks × 2 modes + 2 × 4
        // replicate COCO transfers; the two ImageNet arms × 3 depths, × 10 transfers each.
        XCTAssertEqual(p.perStep, ["dataset": 2, "subset": 12, "pretrain": 20, "transfer": 128, "pretrain-imagenet": 3,
                                   "pretrain-imagenet-jft": 3, "transfer-imagenet": 30, "transfer-imagenet-jft": 30])
        XCTAssertEqual(p.totals["nodes"] as? Int, 228)
        XCTAssertEqual(p.totals["blocked"] as? Int, 0)
        XCTAssertEqual(p.totals["gpu_hours"] as? Double, 80_832)
    }

    func testWeaklySupervisedPretrainingPlansEveryNodeOfItsGrid() throws {
        let p = try plan("wsl-hashtags.yaml")
        // 4 + 1 + 5 subsets; 32×16d on each + 4 more widths on the two full sets; 18 × 5 × 2;
        // the size sweep's two other widths on four 17k subsets, × 5 × 2; 3 noise levels × 2.
        XCTAssertEqual(p.perStep, ["dataset": 4, "subset": 10, "pretrain": 18, "transfer": 180, "pretrain-widths": 8,
                                   "transfer-widths": 80, "pretrain-noise": 3, "transfer-noise": 6])
        XCTAssertEqual(p.totals["nodes"] as? Int, 309)
        XCTAssertEqual(p.totals["blocked"] as? Int, 0)
        // 1,014,912 + ImageNet-9k's 36 transfers (1,440) + the widths (23,744 + 3,200) + label
        // noise (76,032 + 240).
        XCTAssertEqual(p.totals["gpu_hours"] as? Double, 1_119_568)
    }
}
