import Foundation
import XCTest

/// Faults at random moments: each campaign ends with a build that succeeds, a store that
/// `verify` finds clean, and results equal to those of a build that met no fault.
final class FaultInjectionTests: XCTestCase {
    /// Deterministic steps with real outputs and a fan-out, so kills land in every phase:
    /// planning, running jobs, ingesting, writing records.
    static let spec = """
        steps:
          gen:
            foreach: { i: [1, 2, 3, 4] }
            command: |
              sleep 0.0{{ i }}; seq 1 {{ i }}000 > {{ out }}/data.txt
              echo "{\\"n\\": {{ i }}}" > {{ out }}/metrics.json
          sum:
            foreach: { i: [1, 2, 3, 4] }
            inputs: { g: gen }
            command: |
              awk '{ s += $1 } END { print "{\\"sum\\": " s "}" }' {{ inputs.g }}/data.txt > {{ out }}/metrics.json
              cp {{ inputs.g }}/data.txt {{ out }}/copy.txt

        """

    func testRandomKill9sLoseNothingAndEndInTheResultsOfAFaultFreeBuild() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", Self.spec)
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<8 {
            let p = try h.start(["build", "exp.yaml", "-j", "3"], outputTo: "killed.log")
            Thread.sleep(forTimeInterval: Double.random(in: 0.0...0.25, using: &rng))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        let final = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(final.status, 0, final.all)
        let verify = try h.run(["verify"])
        XCTAssertEqual(verify.status, 0, verify.all)
        XCTAssertTrue(try h.run(["build", "exp.yaml"]).out.hasPrefix("nothing to do"))

        let fresh = try h.run(["build", "exp.yaml"], env: ["XGRAPH_STORE": h.dir.path + "/fault-free"])
        XCTAssertEqual(fresh.status, 0, fresh.all)
        let a = try h.run(["results", "exp.yaml", "--format", "csv", "--step", "sum"])
        let b = try h.run(["results", "exp.yaml", "--format", "csv", "--step", "sum"],
                          env: ["XGRAPH_STORE": h.dir.path + "/fault-free"])
        XCTAssertEqual(a.status, 0, a.all)
        XCTAssertEqual(Self.metricColumns(a.out), Self.metricColumns(b.out))
        XCTAssertEqual(Self.metricColumns(a.out).count, 5, a.out)
    }

    /// The node and metric columns of a results CSV (dropping times, hosts and other
    /// provenance that differ between two stores by nature).
    static func metricColumns(_ csv: String) -> [String] {
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = rows.first else { return [] }
        let keep = header.indices.filter { header[$0] == "node" || header[$0] == "sum" }
        return rows.map { row in keep.map { $0 < row.count ? row[$0] : "" }.joined(separator: ",") }.sorted()
    }
}
