import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A store shared by a Unix group: two members with umask 077 reuse each other's results and
/// gc it, neither can change the other's outputs, and a user outside the group is refused.
final class GroupStoreTests: XCTestCase {
    static let group = "xgraphshare"
    struct Member { let uid: uid_t; let groups: [gid_t] }

    private var dir = ""
    private var binary = ""
    private var gid: gid_t = 0

    override func setUpWithError() throws {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw XCTSkip("skipped: making a group and users needs root (and setpriv)")
        }
        if getgrnam(Self.group) == nil {
            let add = Process()
            add.executableURL = URL(fileURLWithPath: "/usr/sbin/groupadd")
            add.arguments = ["-f", Self.group]
            try add.run()
            add.waitUntilExit()
        }
        guard let g = getgrnam(Self.group) else { throw XCTSkip("skipped: groupadd \(Self.group) failed") }
        gid = g.pointee.gr_gid
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("xgraph-group-\(UUID().uuidString)").path
        continueAfterFailure = false
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // Like a scratch file system: anyone may make a folder here (A makes the store).
        chmod(dir, 0o1777)
        binary = dir + "/xgraph"
        try FileManager.default.copyItem(atPath: CLIHarness.builtBinary, toPath: binary)
        chmod(binary, 0o755)
        try """
            steps:
              train:
                foreach: { n: [1, 2] }
                params: { lr: LR }
                command: "seq {{ n }} 7 99999 | sed s/^/{{ params.lr }}/ > {{ out }}/w"
              eval:
                foreach: { n: [1, 2] }
                inputs: { m: train }
                command: "wc -l < {{ inputs.m }}/w > {{ out }}/lines; echo '{\\"lines\\": 1}' > {{ out }}/metrics.json"

            """.write(toFile: dir + "/spec.template", atomically: true, encoding: .utf8)
        for lr in ["1", "2"] {
            let text = try String(contentsOfFile: dir + "/spec.template", encoding: .utf8).replacingOccurrences(of: "LR", with: lr)
            try text.write(toFile: dir + "/exp\(lr).yaml", atomically: true, encoding: .utf8)
            chmod(dir + "/exp\(lr).yaml", 0o644)
        }
    }

    override func tearDownWithError() throws {
        if !dir.isEmpty { _ = try? run(Member(uid: 0, groups: []), "chmod -R u+w \(dir) 2>/dev/null; true") }
        try? FileManager.default.removeItem(atPath: dir)
    }

    /// Runs a shell line as `m` with umask 077, in the test folder.
    @discardableResult
    private func run(_ m: Member, _ line: String) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        let groups = m.groups.isEmpty ? ["--clear-groups"] : ["--groups=" + m.groups.map(String.init).joined(separator: ",")]
        p.arguments = ["--reuid=\(m.uid)", "--regid=\(m.groups.first ?? 65534)"] + groups
            + ["--", "/bin/sh", "-c", "umask 077; " + line]
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        var env = ProcessInfo.processInfo.environment
        env["HOME"] = dir
        env.removeValue(forKey: "XGRAPH_STORE")
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testTwoMembersShareAStoreAndAnOutsiderIsRefused() throws {
        let a = Member(uid: 61001, groups: [gid]), b = Member(uid: 61002, groups: [gid]), c = Member(uid: 61003, groups: [])
        let x = binary
        let made = try run(a, "\(x) init-store store --group \(Self.group)")
        XCTAssertEqual(made.status, 0, made.out)
        let first = try run(a, "\(x) build exp1.yaml --store store")
        XCTAssertEqual(first.status, 0, first.out)

        // B reuses A's results, and A reuses B's.
        let reuse = try run(b, "\(x) build exp1.yaml --store store")
        XCTAssertEqual(reuse.status, 0, reuse.out)
        XCTAssertTrue(reuse.out.contains("nothing to do"), reuse.out)
        let second = try run(b, "\(x) build exp2.yaml --store store")
        XCTAssertEqual(second.status, 0, second.out)
        XCTAssertTrue(try run(a, "\(x) build exp2.yaml --store store").out.contains("nothing to do"))
        let results = try run(b, "\(x) results exp1.yaml --store store --step eval")
        XCTAssertEqual(results.status, 0, results.out)
        XCTAssertTrue(results.out.contains("eval/n=2"), results.out)

        // B cannot change A's outputs in any way.
        let path = try run(a, "\(x) path exp1.yaml train/n=1 --store store")
        let artifact = path.out.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(path.status, 0, path.out)
        for attack in ["echo x >> \(artifact)/w", "rm -f \(artifact)/w", "chmod u+w \(artifact)/w", "touch \(artifact)/new",
                       "chmod u+w \(artifact)"] {
            XCTAssertNotEqual(try run(b, attack).status, 0, "B could: \(attack)")
        }
        XCTAssertEqual(try run(b, "\(x) verify --store store").status, 0)

        // B's gc deletes A's old generation; A's artifacts leave the store's view at once and
        // A's next gc frees their bytes.
        let gc = try run(b, "\(x) gc exp2.yaml --store store")
        XCTAssertEqual(gc.status, 0, gc.out)
        XCTAssertTrue(gc.out.contains("deleted 4 records"), gc.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: artifact))
        let verify = try run(a, "\(x) verify --store store")
        XCTAssertEqual(verify.status, 0, verify.out)
        XCTAssertTrue(verify.out.contains("no problems"), verify.out)
        XCTAssertTrue(try run(a, "\(x) build exp2.yaml --store store").out.contains("nothing to do"))
        let trash = { (try? FileManager.default.contentsOfDirectory(atPath: self.dir + "/store/artifacts"))?.filter { $0.hasPrefix(".trash-") } ?? [] }
        XCTAssertFalse(trash().isEmpty, "A's artifacts wait for A's gc")
        XCTAssertEqual(try run(a, "\(x) gc exp2.yaml --store store").status, 0)
        XCTAssertEqual(trash(), [])

        // Whatever the umask, the group can read and write what each member made.
        var st = stat()
        XCTAssertEqual(stat(dir + "/store/keys.log", &st), 0)
        XCTAssertEqual(st.st_mode & 0o060, 0o060, "keys.log is group read-write")
        XCTAssertEqual(st.st_gid, gid)

        // C is outside the group: a clear error, and nothing written.
        let before = try run(a, "find store | sort").out
        let outsider = try run(c, "\(x) build exp1.yaml --store store")
        XCTAssertNotEqual(outsider.status, 0)
        XCTAssertTrue(outsider.out.contains("shared by group \(Self.group)"), outsider.out)
        XCTAssertEqual(try run(a, "find store | sort").out, before)
    }
}
