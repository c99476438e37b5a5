import Foundation
import XCTest

/// The shipped study files of two seed papers plan as their headers say: node counts per step,
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
        // ImageNet; few-shot: that × 4 shot counts × 5 draws.
        XCTAssertEqual(p.perStep, ["dataset": 3, "pretrain": 15, "vtab": 285, "finetune": 70, "fewshot": 1400])
        XCTAssertEqual(p.totals["nodes"] as? Int, 1773)
        XCTAssertEqual(p.totals["blocked"] as? Int, 0)
        XCTAssertEqual(p.totals["gpu_hours"] as? Double, 225_330)
    }

    func testWeaklySupervisedPretrainingPlansEveryNodeOfItsGrid() throws {
        let p = try plan("wsl-hashtags.yaml")
        // 4 + 1 + 5 subsets; 32×16d on each + 4 more widths on the two full sets; 18 × 4 × 2.
        XCTAssertEqual(p.perStep, ["dataset": 4, "subset": 10, "pretrain": 18, "transfer": 144])
        XCTAssertEqual(p.totals["nodes"] as? Int, 176)
        XCTAssertEqual(p.totals["blocked"] as? Int, 0)
        XCTAssertEqual(p.totals["gpu_hours"] as? Double, 1_014_912)
    }
}
