import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A remote cache under test: an S3 server (S3TestServer) or a shared folder.
protocol RemoteUnderTest: AnyObject {
    func url(_ prefix: String) -> String
    var env: [String: String] { get }
    /// The object files below `prefix`, relative to it.
    func objects(_ prefix: String) -> [String]
    func path(_ prefix: String, _ key: String) -> String
    /// Deletes an object as a client would (rclone caches what it serves: a file removed from
    /// its folder behind its back is still listed, and its GET fails half-way).
    func delete(_ prefix: String, _ key: String) throws
}

extension S3TestServer: RemoteUnderTest {}

/// A `file://` remote in a folder the test user owns.
final class FolderRemote: RemoteUnderTest {
    let folder: String
    init(owner: TestUser?) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("xgraph-folder-remote-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try owner?.own(folder)
    }
    deinit { try? FileManager.default.removeItem(atPath: folder) }
    func url(_ prefix: String) -> String {
        let dir = folder + "/" + prefix
        if !FileManager.default.fileExists(atPath: dir) {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            if let u = TestUser.current { try? u.own(dir) }
        }
        return "file://" + dir
    }
    var env: [String: String] { [:] }
    func objects(_ prefix: String) -> [String] {
        let root = folder + "/" + prefix
        let items = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []
        return items.filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: root + "/" + $0, isDirectory: &d) && !d.boolValue && !$0.hasPrefix("tmp/") }.sorted()
    }
    func path(_ prefix: String, _ key: String) -> String { folder + "/" + prefix + "/" + key }
    func delete(_ prefix: String, _ key: String) throws { try FileManager.default.removeItem(atPath: path(prefix, key)) }
}

/// The remote cache's failure and trust scenarios, run against each kind of remote by S3RemoteTests and
/// FolderRemoteTests. Two nodes: `make` writes `data.txt` (deterministic, its size set by
/// `params.n`, so a rebuild elsewhere makes the same bytes) and `small.txt`; `use` reads it.
/// Both append their name to ran.log, so a test sees what ran.
enum RemoteScenarios {
    static func experiment(n: Int = 1000, remote: String? = nil) -> String {
        var text = ""
        if let remote { text += "remote: \(remote)\n" }
        text += """
            steps:
              make:
                params: { n: \(n) }
                command: |
                  echo "$XGRAPH_NODE" >> ran.log
                  seq 1 {{ params.n }} > {{ out }}/data.txt
                  echo ok > {{ out }}/small.txt
              use:
                inputs: { m: make }
                command: |
                  echo "$XGRAPH_NODE" >> ran.log
                  wc -l < {{ inputs.m }}/data.txt > {{ out }}/count.txt

            """
        return text
    }

    static func project(n: Int = 1000, remote: String? = nil) throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", experiment(n: n, remote: remote))
        return h
    }

    static func ran(_ h: CLIHarness) -> [String] {
        let text = (try? h.read("ran.log")) ?? ""
        try? FileManager.default.removeItem(at: h.dir.appendingPathComponent("ran.log"))
        return text.split(separator: "\n").map(String.init).sorted()
    }

    static func verifyClean(_ h: CLIHarness, store: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let v = try h.run(["verify", "--store", store])
        XCTAssertEqual(v.status, 0, "verify \(store): \(v.all)", file: file, line: line)
        XCTAssertTrue(v.out.contains("no problems"), v.all, file: file, line: line)
    }

    static func build(_ h: CLIHarness, _ store: String, _ r: RemoteUnderTest, _ prefix: String, extra: [String] = [],
                      env: [String: String] = [:]) throws -> CLIHarness.Result {
        try h.run(["build", "exp.yaml", "--store", store, "--remote", r.url(prefix)] + extra, env: r.env.merging(env) { $1 })
    }

    // MARK: Scenarios

    /// Store A builds and pushes; a fresh store B's plan says "cached on the remote", its build
    /// runs nothing and verifies clean; a no-op build then asks the remote nothing (proved by
    /// pointing it at a remote that does not answer: no warning).
    static func sharedCache(_ r: RemoteUnderTest, stop: () -> Void) throws {
        let h = try project()
        let a = try build(h, "A", r, "shared")
        XCTAssertEqual(a.status, 0, a.all)
        XCTAssertEqual(ran(h), ["make", "use"])
        XCTAssertTrue(r.objects("shared").contains { $0.hasPrefix("records/") }, "\(r.objects("shared"))")
        let plan = try h.run(["plan", "exp.yaml", "--store", "B", "--remote", r.url("shared")], env: r.env)
        XCTAssertEqual(plan.status, 0, plan.all)
        XCTAssertTrue(plan.out.contains("remote     make"), plan.all)
        XCTAssertTrue(plan.out.contains("remote     use"), "the node below a remote hit gets its key from the remote's record: \(plan.all)")
        XCTAssertTrue(plan.out.contains("2 cached on the remote"), plan.all)
        let b = try build(h, "B", r, "shared")
        XCTAssertEqual(b.status, 0, b.all)
        XCTAssertEqual(ran(h), [], "store B ran nothing: \(b.all)")
        XCTAssertTrue(b.out.contains("2 fetched from the remote"), b.all)
        try verifyClean(h, store: "B")
        // Provenance: the record says it came from the remote, and keeps the builder's fields.
        let records = (FileManager.default.enumerator(atPath: h.dir.path + "/B/records")?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".json") }
        XCTAssertEqual(records.count, 2)
        for rec in records {
            let text = try h.read("B/records/" + rec)
            XCTAssertTrue(text.contains("\"remote\":{") && text.contains("\"pushedBy\""), text)
            XCTAssertTrue(text.contains("\"host\""), text)
        }
        stop()
        let noop = try build(h, "B", r, "shared")
        XCTAssertEqual(noop.status, 0, noop.all)
        XCTAssertFalse(noop.err.contains("warning"), "a no-op build must not ask the remote: \(noop.all)")
        XCTAssertTrue(noop.out.contains("nothing to do"), noop.all)
    }

    /// A blob changed on the remote is refused on arrival, nothing of that node is installed, the
    /// node runs here, and its push puts the right bytes back, so the next store fetches it.
    static func tamperedBlob(_ r: RemoteUnderTest) throws {
        let h = try project()
        XCTAssertEqual(try build(h, "A", r, "tamper").status, 0)
        _ = ran(h)
        // The largest blob: make's data.txt.
        let blobs = r.objects("tamper").filter { $0.hasPrefix("blobs/") }
            .sorted { ((try? FileManager.default.attributesOfItem(atPath: r.path("tamper", $0))[.size] as? Int) ?? 0)
                > ((try? FileManager.default.attributesOfItem(atPath: r.path("tamper", $1))[.size] as? Int) ?? 0) }
            .prefix(1)
        XCTAssertFalse(blobs.isEmpty)
        for b in blobs {
            let p = r.path("tamper", b)
            chmod(p, 0o644)
            try Data("not the bytes you are looking for\n".utf8).write(to: URL(fileURLWithPath: p))
        }
        let c = try build(h, "C", r, "tamper")
        XCTAssertEqual(c.status, 0, c.all)
        XCTAssertTrue(c.err.contains("refused a downloaded blob"), c.all)
        XCTAssertEqual(ran(h), ["make"], "make ran here; use (same input bytes) came from the remote: \(c.all)")
        try verifyClean(h, store: "C")
        let d = try build(h, "D", r, "tamper")
        XCTAssertEqual(d.status, 0, d.all)
        XCTAssertEqual(ran(h), [], "C's push repaired the remote's blobs: \(d.all)")
        try verifyClean(h, store: "D")
    }

    /// With trusted_keys, an unsigned record and one signed by another key are ignored (the node
    /// runs); a record signed by a listed key is used.
    static func trust(_ r: RemoteUnderTest) throws {
        let h = try project()
        let mine = try h.run(["remote", "keygen", "--out", h.dir.path + "/keys/mine"])
        XCTAssertEqual(mine.status, 0, mine.all)
        let other = try h.run(["remote", "keygen", "--out", h.dir.path + "/keys/other"])
        let myKey = mine.out.trimmingCharacters(in: .whitespacesAndNewlines)
        let otherKey = other.out.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(myKey.hasPrefix("ed25519:"), mine.all)
        // Unsigned push (no key file where XGRAPH_SIGNING_KEY points).
        let none = ["XGRAPH_SIGNING_KEY": h.dir.path + "/keys/absent"]
        XCTAssertEqual(try build(h, "A", r, "unsigned", env: none).status, 0)
        _ = ran(h)
        try h.write("trusting.yaml", experiment(remote: "{ url: \"\(r.url("unsigned"))\", trusted_keys: [\(myKey)] }"))
        let b = try h.run(["build", "trusting.yaml", "--store", "B"], env: r.env.merging(none) { $1 })
        XCTAssertEqual(b.status, 0, b.all)
        XCTAssertTrue(b.err.contains("it is unsigned, and trusted_keys are configured"), b.all)
        XCTAssertTrue(b.err.contains("records you push are unsigned"), b.all)
        XCTAssertEqual(ran(h), ["make", "use"], "unsigned records are not trusted")
        // Signed by "other": pushed to another prefix.
        XCTAssertEqual(try build(h, "C", r, "signed", env: ["XGRAPH_SIGNING_KEY": h.dir.path + "/keys/other"]).status, 0)
        _ = ran(h)
        try h.write("trusting2.yaml", experiment(remote: "{ url: \"\(r.url("signed"))\", trusted_keys: [\(myKey)] }"))
        let d = try h.run(["build", "trusting2.yaml", "--store", "D"], env: r.env.merging(none) { $1 })
        XCTAssertTrue(d.err.contains("not in trusted_keys"), d.all)
        XCTAssertEqual(ran(h), ["make", "use"])
        try h.write("trusting3.yaml", experiment(remote: "{ url: \"\(r.url("signed"))\", trusted_keys: [\(myKey), \(otherKey)] }"))
        let e = try h.run(["build", "trusting3.yaml", "--store", "E"], env: r.env.merging(none) { $1 })
        XCTAssertEqual(e.status, 0, e.all)
        XCTAssertEqual(ran(h), [], "signed by a listed key: fetched: \(e.all)")
        try verifyClean(h, store: "E")
    }

    /// Two stores build and push the same nodes at once; a third fetches a consistent set.
    static func concurrentPush(_ r: RemoteUnderTest) throws {
        let h = try project(n: 200_000)
        let a = try h.start(["build", "exp.yaml", "--store", "A", "--remote", r.url("race")], outputTo: "a.log", env: r.env)
        let b = try h.start(["build", "exp.yaml", "--store", "B", "--remote", r.url("race")], outputTo: "b.log", env: r.env)
        a.waitUntilExit(); b.waitUntilExit()
        XCTAssertEqual(a.terminationStatus, 0, (try? h.read("a.log")) ?? "")
        XCTAssertEqual(b.terminationStatus, 0, (try? h.read("b.log")) ?? "")
        _ = ran(h)
        XCTAssertEqual(r.objects("race").filter { $0.hasPrefix("records/") }.count, 2)
        let c = try build(h, "C", r, "race")
        XCTAssertEqual(c.status, 0, c.all)
        XCTAssertEqual(ran(h), [], c.all)
        try verifyClean(h, store: "C")
    }

    /// `xgraph push` and `xgraph pull` with --jobs: counts, bytes, and a pull runs nothing.
    static func pushPull(_ r: RemoteUnderTest) throws {
        let h = try project()
        XCTAssertEqual(try h.run(["build", "exp.yaml", "--store", "A"]).status, 0)
        _ = ran(h)
        let push = try h.run(["push", "exp.yaml", "--store", "A", "--remote", r.url("pp"), "--jobs", "3"], env: r.env)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.out.contains("pushed 2 nodes"), push.all)
        let again = try h.run(["push", "exp.yaml", "--store", "A", "--remote", r.url("pp")], env: r.env)
        XCTAssertTrue(again.out.contains("pushed 0 nodes") && again.out.contains("2 already on the remote"), again.all)
        let pull = try h.run(["pull", "exp.yaml", "--store", "B", "--remote", r.url("pp"), "--jobs", "2"], env: r.env)
        XCTAssertEqual(pull.status, 0, pull.all)
        XCTAssertTrue(pull.out.contains("pulled 2 nodes"), pull.all)
        try verifyClean(h, store: "B")
        let b = try h.run(["build", "exp.yaml", "--store", "B", "--remote-mode", "off"])
        XCTAssertTrue(b.out.contains("nothing to do"), b.all)
        XCTAssertEqual(ran(h), [])
    }

    /// A remote that cannot be reached: the build finishes here with one warning, quickly.
    static func unreachable(url: String, env: [String: String]) throws {
        let h = try project()
        let started = Date()
        let a = try h.run(["build", "exp.yaml", "--store", "A", "--remote", url], env: env)
        XCTAssertEqual(a.status, 0, a.all)
        XCTAssertEqual(ran(h), ["make", "use"])
        XCTAssertEqual(a.err.components(separatedBy: "warning").count - 1, 1, "one warning: \(a.all)")
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, a.all)
        try verifyClean(h, store: "A")
    }
}
