import Foundation
import XCTest

final class FailureTests: XCTestCase {
    static let failing = """
        steps:
          make:
            foreach: { i: [1, 2] }
            command: echo made {{ i }} > {{ out }}/x.txt; test {{ i }} -eq 1 || { echo boom >&2; exit 3; }
          use:
            foreach: { i: [1, 2] }
            inputs: { x: make }
            command: cat {{ inputs.x }}/x.txt > {{ out }}/y.txt
          other:
            command: echo fine > {{ out }}/z.txt

        """

    func testAFailedStepLeavesNoRecordKeepsItsLogAndBlocksDependents() throws {
        let h = try CLIHarness()
        try h.write("f.yaml", Self.failing)
        let r = try h.run(["build", "f.yaml", "-k", "-j", "1"])
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.out.contains("failed: make/i=2: exit status 3"), r.out)
        XCTAssertTrue(r.out.contains("blocked: use/i=2 (input make/i=2 failed)"), r.out)
        XCTAssertTrue(CLIHarness.started(r).contains("other"), r.out)
        XCTAssertTrue(CLIHarness.started(r).contains("use/i=1"), r.out)

        let logs = try h.run(["logs", "make/i=2"])
        XCTAssertEqual(logs.status, 0, logs.all)
        XCTAssertTrue(logs.out.contains("boom"), logs.out)
        // The experiment file first, as every other command takes it (what a new user tries first).
        let withFile = try h.run(["logs", "f.yaml", "make/i=2"])
        XCTAssertEqual(withFile.status, 0, withFile.all)
        XCTAssertTrue(withFile.out.contains("boom"), withFile.out)
        let typo = try h.run(["logs", "f.yaml", "mkae/i=2"])
        XCTAssertNotEqual(typo.status, 0)
        XCTAssertTrue(typo.err.contains("no node matches 'mkae/i=2'"), typo.err)

        // No artifact or record for the failure: the next build runs it again, and only it.
        let again = try h.run(["build", "f.yaml", "-k"])
        XCTAssertEqual(CLIHarness.started(again), ["make/i=2"], again.out)
        let verify = try h.run(["verify"])
        XCTAssertEqual(verify.status, 0, verify.all)
    }

    func testWithoutKeepGoingNothingNewStartsAfterAFailure() throws {
        let h = try CLIHarness()
        try h.write("f.yaml", """
            steps:
              bad:
                command: exit 1
              after:
                inputs: { b: bad }
                command: touch {{ out }}/a

            """)
        let r = try h.run(["build", "f.yaml", "-j", "1"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.out.contains("failed: bad: exit status 1"), r.out)
        XCTAssertFalse(CLIHarness.started(r).contains("after"))
    }

    func testAMissingDeclaredOutputFailsTheNode() throws {
        let h = try CLIHarness()
        try h.write("f.yaml", """
            steps:
              lazy:
                command: "true"
                outputs: [model.pt]

            """)
        let r = try h.run(["build", "f.yaml"])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.out.contains("declared output model.pt was not written"), r.out)
    }

    func testShellValuesAreQuoted() throws {
        let h = try CLIHarness()
        try h.write("q.yaml", """
            steps:
              echo:
                params: { msg: "it's a $HOME; rm -rf x" }
                command: printf '%s' {{ params.msg }} > {{ out }}/msg.txt

            """)
        XCTAssertEqual(try h.run(["build", "q.yaml"]).status, 0)
        let r = try h.run(["results", "q.yaml", "--sql", "SELECT output FROM runs"])
        let out = r.out.split(separator: "\n").last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let msg = try String(contentsOfFile: h.dir.path + "/cache/artifacts/\(out)/msg.txt", encoding: .utf8)
        XCTAssertEqual(msg, "it's a $HOME; rm -rf x")
    }
}
