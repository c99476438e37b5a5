import Foundation
import XCTest

/// The results index is derived data: whatever state it is in, `results` answers from the records.
final class ResultsIndexRecoveryTests: XCTestCase {
    func testACorruptResultsIndexIsSetAsideAndRebuiltFromTheRecords() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let index = h.dir.path + "/cache/results.sqlite"
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: index + suffix) }
        try Data(String(repeating: "not a database ", count: 300).utf8).write(to: URL(fileURLWithPath: index))

        let r = try h.run(["results", "exp.yaml", "--step", "eval", "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(r.out.split(separator: "\n").count, 7, "a header and six runs: \(r.out)")
        XCTAssertTrue(r.err.contains("rebuilt"), "says so: \(r.err)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: h.dir.path + "/cache")
            .filter { $0.hasPrefix("results.sqlite.corrupt") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
        XCTAssertEqual(aside.count, 1, "the damaged file is kept for a post-mortem")

        let again = try h.run(["results", "exp.yaml", "--step", "eval", "--format", "csv"])
        XCTAssertEqual(again.out, r.out)
        XCTAssertFalse(again.err.contains("rebuilt"), again.err)
    }

    func testResultsAnswerForAStoreTheUserCannotWrite() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let cache = h.dir.path + "/cache"
        let index = cache + "/results.sqlite"
        // A store another user owns, or on a read-only mount: nobody may write a byte there.
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: index + suffix) }
        XCTAssertEqual(try run("/bin/chmod", ["-R", "a-w", cache]), 0)
        defer { _ = try? run("/bin/chmod", ["-R", "u+w", cache]) }
        let before = try snapshot(cache)

        let sql = ["results", "--sql", "SELECT count(*) AS n FROM runs WHERE step = 'eval'", "--format", "csv"]
        let r = try runAsAnotherUser(h, sql)
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(r.out.split(separator: "\n").last, "6", r.all)
        XCTAssertEqual(try snapshot(cache), before, "nothing written")

        // Also when the store has no index yet.
        XCTAssertEqual(try run("/bin/chmod", ["-R", "u+w", cache]), 0)
        try FileManager.default.removeItem(atPath: index)
        XCTAssertEqual(try run("/bin/chmod", ["-R", "a-w", cache]), 0)
        let fresh = try runAsAnotherUser(h, sql)
        XCTAssertEqual(fresh.status, 0, fresh.all)
        XCTAssertEqual(fresh.out.split(separator: "\n").last, "6", fresh.all)
    }

    private func snapshot(_ dir: String) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: dir).sorted()
    }

    private func run(_ tool: String, _ args: [String]) throws -> Int32 {
        let p = try Process.run(URL(fileURLWithPath: tool), arguments: args)
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// Runs xgraph as a user who cannot write the store: as root (who may write anywhere) by
    /// switching to `nobody`; otherwise (the harness already runs xgraph as an ordinary user)
    /// the a-w permissions stop the owner.
    private func runAsAnotherUser(_ h: CLIHarness, _ args: [String]) throws -> CLIHarness.Result {
        guard getuid() == 0, h.user == nil else { return try h.run(args) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", h.binary] + args
        p.currentDirectoryURL = h.dir
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "XGRAPH_STORE")
        env["HOME"] = "/tmp"
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLIHarness.Result(status: p.terminationStatus, out: String(decoding: o, as: UTF8.self),
                                 err: String(decoding: e, as: UTF8.self))
    }
}
