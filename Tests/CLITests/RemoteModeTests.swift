import Foundation
import XCTest

/// `--remote-mode`, `XGRAPH_REMOTE`, `XGRAPH_REMOTE_MODE` and `remote:` in the file each do
/// what they say (on a `file://` remote: fast, and no server needed).
final class RemoteModeTests: XCTestCase {
    func testReadModeFetchesButDoesNotPushAndWriteModePushesButDoesNotFetch() throws {
        let r = try FolderRemote(owner: TestUser.current)
        let h = try RemoteScenarios.project()
        let read = try h.run(["build", "exp.yaml", "--store", "A", "--remote", r.url("modes"), "--remote-mode", "read"])
        XCTAssertEqual(read.status, 0, read.all)
        XCTAssertEqual(r.objects("modes"), [], "read mode pushes nothing")
        _ = RemoteScenarios.ran(h)
        let write = try h.run(["build", "exp.yaml", "--store", "B", "--remote", r.url("modes"), "--remote-mode", "write"])
        XCTAssertEqual(write.status, 0, write.all)
        XCTAssertEqual(r.objects("modes").filter { $0.hasPrefix("records/") }.count, 2, "write mode pushes")
        XCTAssertEqual(RemoteScenarios.ran(h), ["make", "use"])
        let writeOnly = try h.run(["build", "exp.yaml", "--store", "C", "--remote", r.url("modes")],
                                  env: ["XGRAPH_REMOTE_MODE": "write"])
        XCTAssertEqual(RemoteScenarios.ran(h), ["make", "use"], "write mode never fetches: \(writeOnly.all)")
        let off = try h.run(["build", "exp.yaml", "--store", "D", "--remote", r.url("modes"), "--remote-mode", "off"])
        XCTAssertEqual(RemoteScenarios.ran(h), ["make", "use"], "off: \(off.all)")
        let bad = try h.run(["build", "exp.yaml", "--store", "D", "--remote-mode", "sometimes"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("read-write, read, write, off"), bad.all)
    }

    func testEnvironmentAndFileNameTheRemoteAndTheFlagWins() throws {
        let r = try FolderRemote(owner: TestUser.current)
        let h = try RemoteScenarios.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml", "--store", "A", "--remote", r.url("env")]).status, 0)
        _ = RemoteScenarios.ran(h)
        let env = try h.run(["build", "exp.yaml", "--store", "B"], env: ["XGRAPH_REMOTE": r.url("env")])
        XCTAssertEqual(RemoteScenarios.ran(h), [], "XGRAPH_REMOTE: \(env.all)")
        try h.write("withremote.yaml", RemoteScenarios.experiment(remote: r.url("env")))
        let file = try h.run(["build", "withremote.yaml", "--store", "C"])
        XCTAssertEqual(RemoteScenarios.ran(h), [], "remote: in the file: \(file.all)")
        let flag = try h.run(["build", "withremote.yaml", "--store", "D", "--remote", r.url("elsewhere")])
        XCTAssertEqual(RemoteScenarios.ran(h), ["make", "use"], "--remote overrides the file: \(flag.all)")
    }

    /// A URL the remote module refuses, written in the file, is reported at its line and column.
    func testBadURLInTheFileIsLocated() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", "steps:\n  a: { command: echo }\nremote: s3://lab/x?region=EU_WEST\n")
        let b = try h.run(["build", "exp.yaml", "--store", "A"])
        XCTAssertNotEqual(b.status, 0)
        XCTAssertTrue(b.err.contains("exp.yaml:3:9"), b.all)
        XCTAssertTrue(b.err.contains("not a region name"), b.all)
    }

    /// `plan` against a remote that is gone says so once and still plans.
    func testPlanWithAnUnreachableRemoteWarnsOnce() throws {
        let h = try RemoteScenarios.project()
        let p = try h.run(["plan", "exp.yaml", "--store", "A", "--remote", "file:///nonexistent-xgraph-\(getpid())"])
        XCTAssertEqual(p.status, 0, p.all)
        XCTAssertEqual(p.err.components(separatedBy: "warning").count - 1, 1, p.all)
        XCTAssertTrue(p.out.contains("will run   make"), p.all)
    }
}
