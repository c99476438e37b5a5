import Foundation
import XCTest

/// Values are data: a param holding template syntax reaches the command as written.
final class TemplateValueTests: XCTestCase {
    func testAParamValueHoldingOutAndAnOpenBraceIsEchoedLiterally() throws {
        let h = try CLIHarness()
        try h.write("t.yaml", """
            steps:
              echo:
                params: { v: "{{out}} and {{ then {{params_file}}{" }
                env: { V: "{{ params.v }}" }
                command: printf '%s|%s' {{ params.v }} "$V" > {{ out }}/v.txt

            """)
        let b = try h.run(["build", "t.yaml"])
        XCTAssertEqual(b.status, 0, b.all)
        let r = try h.run(["results", "t.yaml", "--sql", "SELECT output FROM runs"])
        let out = r.out.split(separator: "\n").last.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        let text = try String(contentsOfFile: h.dir.path + "/cache/artifacts/\(out)/v.txt", encoding: .utf8)
        let v = "{{out}} and {{ then {{params_file}}{"
        XCTAssertEqual(text, v + "|" + v)
    }
}
