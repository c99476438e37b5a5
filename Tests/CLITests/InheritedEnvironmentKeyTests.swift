import Foundation
import XCTest

/// The inherited environment is never in a key, except the variables a step names in
/// `key_env:`: changing one of those re-runs exactly that step, and `plan` says which.
final class InheritedEnvironmentKeyTests: XCTestCase {
    static let spec = """
        steps:
          keyed:
            key_env: [XG_TEST_SEED]
            command: echo "$XG_TEST_SEED" > {{ out }}/o; echo keyed >> ran.log
          plain:
            command: echo "$XG_TEST_SEED" > {{ out }}/o; echo plain >> ran.log

        """

    func testAVariableNamedInKeyEnvReRunsItsStepAndNoOther() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", Self.spec)
        XCTAssertEqual(try h.run(["build", "exp.yaml"], env: ["XG_TEST_SEED": "1"]).status, 0)
        _ = try h.takeRan()
        XCTAssertEqual(CLIHarness.started(try h.run(["build", "exp.yaml"], env: ["XG_TEST_SEED": "1"])), [])
        let plan = try h.run(["plan", "exp.yaml"], env: ["XG_TEST_SEED": "2"])
        XCTAssertTrue(plan.out.contains("inherited-env XG_TEST_SEED changed \"1\"→\"2\""), plan.out)
        XCTAssertEqual(CLIHarness.started(try h.run(["build", "exp.yaml"], env: ["XG_TEST_SEED": "2"])), ["keyed"])
        // Unset is not the empty string.
        XCTAssertEqual(CLIHarness.started(try h.run(["build", "exp.yaml"], env: ["XG_TEST_SEED": ""])), ["keyed"])
    }

    func testKeyEnvRefusesAVariableTheStepSetsItself() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              s:
                env: { MODE: fast }
                key_env: [MODE]
                command: echo $MODE > {{ out }}/o

            """)
        let r = try h.run(["plan", "exp.yaml"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("exp.yaml:4:"), r.err)
        XCTAssertTrue(r.err.contains("set by this step's env:"), r.err)
    }
}
