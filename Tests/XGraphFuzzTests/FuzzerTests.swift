import Foundation
import XCTest
import XGraphFuzz

/// Keeps the fuzzer compiling and working: two hundred inputs with a fixed seed (about 7 s in a
/// debug build).
final class FuzzerTests: XCTestCase {
    func testAFixedSeedRunOfTwoHundredInputsCountsEachInputOnce() throws {
        let dir = NSTemporaryDirectory() + "xgraph-fuzz-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seeds = dir + "/seeds"
        try FileManager.default.createDirectory(atPath: seeds, withIntermediateDirectories: true)
        try """
            datasets:
              d: { path: data.txt, items: 100 }
            subsets:
              s: { dataset: d, sizes: [10, 20] }
            steps:
              a:
                foreach: { data: subsets, lr: [0.1, 0.01] }
                params: { n: 3 }
                command: echo {{ params.n }} {{ data.size }} {{ lr }} > {{ out }}/x
                outputs: [x]
                resources: { mem: 1G, time: 1h }
              b:
                inputs: { x: a }
                foreach: { data: subsets, lr: [0.1, 0.01] }
                command: cat {{ inputs.x }}/x

            """.write(toFile: seeds + "/exp.yaml", atomically: true, encoding: .utf8)
        let fuzzer = try Fuzzer(options: .init(seed: 42, seconds: 60, maxInputs: 200, corpus: [seeds], outDir: dir + "/out"))
        let s = fuzzer.run()
        XCTAssertEqual(s.tried, 200, s.line)
        XCTAssertEqual(s.planned + s.located + s.unlocated + s.crashes + s.hangs, 200, s.line)
        XCTAssertGreaterThan(s.located, 0, s.line)
        XCTAssertEqual(s.crashes, 0, s.line)
        XCTAssertTrue(s.line.hasPrefix("fuzz: 200 inputs tried, "), s.line)
    }

    /// No metrics.json or params the build accepts can make another node's query fail, and the
    /// generator reaches both sides of the build's check.
    func testMetricsTheBuildAcceptsNeverBreakAnotherNodesQuery() throws {
        let dir = NSTemporaryDirectory() + "xgraph-metrics-fuzz-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var fuzz = MetricsFuzz(seed: 7, outDir: dir)
        let s = try fuzz.run(count: 300)
        XCTAssertEqual(s.tried, 300, s.line)
        XCTAssertEqual(s.failures, [], s.line)
        XCTAssertGreaterThan(s.accepted, 20, s.line)
        XCTAssertGreaterThan(s.refused, 20, s.line)
    }
}
