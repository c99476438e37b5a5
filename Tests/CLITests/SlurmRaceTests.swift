import Foundation
import XCTest

/// Several heads, attached and detached, racing on one store and one file, round after round:
/// each node is submitted at most once, nothing is left queued, and `status` and `cancel` see
/// every job xgraph submitted and no other. `make test` runs a few rounds;
/// `XGRAPH_SLURM_RACE_ROUNDS=20` runs more.
final class SlurmRaceTests: SlurmTestCase {
    static var rounds: Int {
        ProcessInfo.processInfo.environment["XGRAPH_SLURM_RACE_ROUNDS"].flatMap(Int.init).map { max(1, $0) } ?? 3
    }

    /// One root feeding twelve; `command` is each step's command (the round in it changes every
    /// key, so every node runs again).
    private static func fan(round: Int, sleep: Int) -> String {
        """
        steps:
          root:
            command: sleep \(sleep); echo \(round) > {{ out }}/x
          leaf:
            foreach: { i: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }
            inputs: { r: root }
            command: sleep \(sleep); cat {{ inputs.r }}/x > {{ out }}/x; echo {{ i }} >> {{ out }}/x

        """
    }

    private static let nodes = Set(["xg:root"] + (1...12).map { "xg:leaf/i=\($0)" })

    /// Starts the heads `detached` (true: `--detach`) all at once; returns them with their logs.
    private func startHeads(_ h: CLIHarness, _ sbatch: SbatchWrapper, detached: [Bool], round: Int) throws -> [(Process, String)] {
        try detached.enumerated().map { n, detach in
            let log = "round\(round)-head\(n).log"
            // One job per node, so the wrapper's count per job name is a count per node.
            let args = ["build", "r.yaml", "--executor", "slurm", "--store", "s", "--slurm-arrays", "off"] + (detach ? ["--detach"] : [])
            return (try h.start(args, outputTo: log, env: sbatch.environment()), log)
        }
    }

    func testHeadsRacingOnOneFileSubmitEachNodeOnceAndStatusAndCancelSeeExactlyTheirJobs() throws {
        let h = try CLIHarness()
        let sbatch = try SbatchWrapper(h)
        for round in 1...Self.rounds {
            try sbatch.reset()
            try h.write("r.yaml", Self.fan(round: round, sleep: 1))
            // Two attached heads and a detached one, the detached one first or last by turns.
            let kinds = round % 2 == 0 ? [true, false, false] : [false, false, true]
            let heads = try startHeads(h, sbatch, detached: kinds, round: round)
            for (p, log) in heads {
                let text = { (try? h.read(log)) ?? "" }
                let deadline = Date().addingTimeInterval(120)
                while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
                if p.isRunning { p.terminate(); p.waitUntilExit(); XCTFail("round \(round): a head still ran after 120 s: \(text())") }
                XCTAssertEqual(p.terminationStatus, 0, "round \(round): \(text())")
            }
            let counts = try sbatch.counts()
            XCTAssertEqual(Set(counts.keys), Self.nodes, "round \(round): \(counts)")
            XCTAssertEqual(counts.values.max(), 1, "round \(round): a node was submitted twice: \(counts)")
            XCTAssertEqual(try h.keys("s").count, 13 * round, "round \(round)")
            try wait("round \(round): no job of xgraph's left queued", timeout: 20) {
                try queue().allSatisfy { !$0.name.hasPrefix("xg:") }
            }
            let status = try h.run(["status", "r.yaml", "--store", "s"])
            XCTAssertTrue(status.out.hasSuffix("13 cached\n") || status.out.hasSuffix("13 cached"), "round \(round): \(status.out)")
        }

        // Jobs that stay: two detached heads and an attached one, interrupted once it follows.
        try sbatch.reset()
        try h.write("r.yaml", Self.fan(round: 0, sleep: 300))
        // A job of the same user named like one of xgraph's is still not xgraph's.
        let impostor = try cluster.submit(["--job-name=xg:root", "--output=/dev/null", "--wrap", "sleep 300"], as: h)
        let heads = try startHeads(h, sbatch, detached: [true, false, true], round: 0)
        for n in [0, 2] {
            heads[n].0.waitUntilExit()
            XCTAssertEqual(heads[n].0.terminationStatus, 0, (try? h.read(heads[n].1)) ?? "")
        }
        try wait("the attached head to follow root") { (try? h.read(heads[1].1))?.contains("queued root") ?? false }
        kill(heads[1].0.processIdentifier, SIGINT)
        try wait("the attached head to stop on SIGINT", timeout: 30) { !heads[1].0.isRunning }
        XCTAssertEqual(heads[1].0.terminationStatus, 130, (try? h.read(heads[1].1)) ?? "")
        let calls = try sbatch.calls()
        XCTAssertEqual(Set(calls.map(\.name)), Self.nodes, "\(calls)")
        XCTAssertEqual(calls.count, 13, "a node was submitted twice: \(calls)")
        let submitted = Set(calls.map(\.id))

        let status = try h.run(["status", "r.yaml", "--store", "s"])
        XCTAssertEqual(Set(Self.jobIDs(status.out)), submitted, status.out)
        let cancel = try h.run(["cancel", "r.yaml", "--store", "s"])
        XCTAssertEqual(cancel.status, 0, cancel.all)
        XCTAssertEqual(Set(Self.jobIDs(cancel.out)), submitted, cancel.out)
        try wait("only the impostor left") { try queue().map(\.id) == [String(impostor)] }
    }

    /// The ids in `(Slurm job N)`.
    static func jobIDs(_ text: String) -> [String] {
        text.components(separatedBy: "(Slurm job ").dropFirst().map { String($0.prefix { $0.isNumber || $0 == "_" }) }
    }
}
