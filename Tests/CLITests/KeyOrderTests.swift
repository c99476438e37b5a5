import Foundation
import XCTest

/// A node's key is a function of the node alone (never of `-j`, the selection, or which node was
/// keyed first): right after one `build -j 2` on a fresh store, the generating-step study with a
/// replicate seed axis is fully cached, whichever way it is asked.
final class KeyOrderTests: XCTestCase {
    static let study = """
        subsets:
          raw: { dataset: generate, items: 400, sizes: [100, 200], nested: true, seed: 0 }
        models:
          poly:
            capacities:
              d1: { degree: 1 }
              d3: { degree: 3 }
        steps:
          generate:
            command: seq 400 > {{ out }}/data.txt
          subset:
            run: builtin:subset
            foreach: { data: subsets.raw, seed: [0, 1, 2] }
            inputs: { dataset: generate }
          fit:
            foreach: { data: subsets.raw, seed: [0, 1, 2], model: models.poly }
            inputs: { subset: subset }
            command: echo {{ model.degree }} > {{ out }}/w.txt

        """

    func testEightFreshStoresOfTheGeneratingStepStudyAreFullyCachedAfterOneParallelBuild() throws {
        for trial in 0..<8 {
            let h = try CLIHarness()
            try h.write("exp.yaml", Self.study)
            let build = try h.run(["build", "exp.yaml", "-j", "2"])
            XCTAssertEqual(build.status, 0, build.all)
            for selection in [[], ["subset/*"], ["subset/data=200/seed=1"], ["fit/data=100/seed=2/*"]] {
                let plan = try h.run(["plan", "exp.yaml"] + selection)
                XCTAssertEqual(plan.status, 0, plan.all)
                XCTAssertTrue(plan.out.contains(" 0 will run, 0 blocked"), "trial \(trial), plan \(selection):\n\(plan.out)")
            }
            let again = try h.run(["build", "exp.yaml", "-j", "2"])
            XCTAssertEqual(CLIHarness.started(again), [], "trial \(trial):\n\(again.out)")
        }
    }
}
