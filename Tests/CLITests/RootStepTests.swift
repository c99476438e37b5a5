import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What a step or a machine can do to the store that file modes do not stop: a step running as
/// root (the usual case in GPU containers) and a full disk. These need root (to be root, and to
/// mount a small tmpfs); they are skipped otherwise.
final class RootStepTests: XCTestCase {
    private func rootProject() throws -> CLIHarness {
        guard geteuid() == 0 else { throw XCTSkip("needs root") }
        return try CLIHarness(asRoot: true)
    }

    func testAStepWritingIntoItsInputFailsAndEveryArtifactSharingTheFileRebuilds() throws {
        let h = try rootProject()
        // `a` and `twin` write the same bytes, so their artifacts share one blob (72 KB: smaller
        // duplicates keep their own file); `b` (as root) overwrites its input file the first
        // time it runs.
        try h.write("exp.yaml", """
            steps:
              a:
                command: yes model | head -n 12000 > {{ out }}/w; echo a >> ran.log
              twin:
                command: yes model | head -n 12000 > {{ out }}/w; echo twin >> ran.log
              b:
                inputs: { a: a }
                command: |
                  [ -e damaged ] || { echo poisoned > {{ inputs.a }}/w; touch damaged; }
                  cp {{ inputs.a }}/w {{ out }}/w; echo b >> ran.log

            """)
        // Without the read-only namespace (as in a container that forbids it), the change
        // happens and must be caught after the job.
        let noNamespace = ["XGRAPH_READONLY_INPUTS": "off"]
        // One at a time, so the second finds the first's blob and links the same file.
        XCTAssertEqual(try h.run(["build", "exp.yaml", "a", "twin", "-j", "1"]).status, 0)
        _ = try h.takeRan()
        let r = try h.run(["build", "exp.yaml"], env: noNamespace)
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertTrue(r.all.contains("changed its input"), r.all)
        _ = try h.takeRan()
        // Both artifacts that shared the poisoned file are gone; their nodes run again and b
        // then reads the bytes a really makes.
        let again = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertEqual(try h.takeRan(), ["a", "b", "twin"])
        let verify = try h.run(["verify"])
        XCTAssertEqual(verify.status, 0, verify.all)
        let root = h.dir.path + "/cache/artifacts"
        for name in try FileManager.default.contentsOfDirectory(atPath: root) {
            XCTAssertEqual(try String(contentsOfFile: root + "/" + name + "/w", encoding: .utf8),
                           String(repeating: "model\n", count: 12000))
        }
    }

    /// Jobs of a root build start through `xgraph-readonly`, built next to `xgraph`; a folder it
    /// cannot make read-only ends the job with 125 and a reason, before the program runs.
    func testTheReadOnlyHelperIsBuiltAndRefusesWhatItCannotProtect() throws {
        _ = try rootProject()
        let helper = (CLIHarness.builtBinary as NSString).deletingLastPathComponent + "/xgraph-readonly"
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: helper), helper)
        guard Self.sh("unshare --mount --propagation private true", "") == 0 else { throw XCTSkip("no mount namespaces here") }
        let dir = NSTemporaryDirectory() + "xgraph-ro-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        XCTAssertEqual(Self.sh("\"$0\" --ro /nonexistent-xgraph -- /bin/sh sh -c 'exit 0'", helper), 125)
        XCTAssertEqual(Self.sh("cd \"$1\" && \"$0\" --ro \"$1\" -- /bin/sh sh -c 'touch x' 2>/dev/null", helper, dir), 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/x"))
        // Outside the job's namespace the folder stays writable.
        XCTAssertTrue(FileManager.default.createFile(atPath: dir + "/y", contents: Data()))
    }

    func testAStepRunningAsRootCannotWriteIntoItsInputs() throws {
        let h = try rootProject()
        XCTAssertEqual(try contentsAfterAStepTriesToPoisonItsInput(h, store: h.dir.path + "/cache"), ["model\n", "refused\n"])
    }

    /// The read-only folders reach mount(8) through a mount table, where a space in a path must
    /// be written as an octal escape; a store whose path has one is still protected.
    func testAStepRunningAsRootCannotWriteIntoItsInputsInAStoreWhosePathHasASpace() throws {
        let h = try rootProject()
        XCTAssertEqual(try contentsAfterAStepTriesToPoisonItsInput(h, store: h.dir.path + "/my store"), ["model\n", "refused\n"])
    }

    /// Builds a step `b` that tries to overwrite its input `a`'s file and says whether it could;
    /// returns the sorted contents of every artifact's files (`a`'s `w`, `b`'s `r`).
    private func contentsAfterAStepTriesToPoisonItsInput(_ h: CLIHarness, store: String) throws -> [String] {
        guard Self.sh("unshare --mount --propagation private true", "") == 0 else { throw XCTSkip("no mount namespaces here") }
        try h.write("exp.yaml", """
            steps:
              a:
                command: echo model > {{ out }}/w
              b:
                inputs: { a: a }
                command: |
                  if echo poisoned > {{ inputs.a }}/w; then echo wrote > {{ out }}/r; else echo refused > {{ out }}/r; fi

            """)
        let r = try h.run(["build", "exp.yaml"], env: ["XGRAPH_STORE": store])
        XCTAssertEqual(r.status, 0, r.all)
        var seen: [String] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: store + "/artifacts") {
            for file in ["w", "r"] {
                if let text = try? String(contentsOfFile: store + "/artifacts/" + name + "/" + file, encoding: .utf8) { seen.append(text) }
            }
        }
        return seen.sorted()
    }

    func testAFullDiskFailsTheNodeWithAMessageAndTheNextBuildSucceeds() throws {
        let h = try rootProject()
        let store = h.dir.path + "/store"
        try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
        guard Self.sh("mount -t tmpfs -o size=2m,nr_inodes=400 xgraph-test \"$0\"", store) == 0 else {
            throw XCTSkip("cannot mount a tmpfs here")
        }
        defer { _ = Self.sh("umount \"$0\"", store) }
        // The step fills the disk (its own write fails, which it ignores) and exits 0, so
        // xgraph's own writes (manifest, record, log lines) are what meet the full disk.
        try h.write("exp.yaml", """
            steps:
              fill:
                command: |
                  head -c 4000000 /dev/zero > {{ out }}/big 2>/dev/null || true
                  echo small > {{ out }}/small || true

            """)
        let env = ["XGRAPH_STORE": store]
        let r = try h.run(["build", "exp.yaml"], env: env)
        XCTAssertEqual(r.status, 1, r.all)
        XCTAssertTrue(r.all.contains("No space left on device"), r.all)
        XCTAssertTrue(try h.run(["verify"], env: env).status == 0)
        // Room made (the disk grows): the same build now succeeds.
        XCTAssertEqual(Self.sh("mount -o remount,size=16m \"$0\"", store), 0)
        let ok = try h.run(["build", "exp.yaml"], env: env)
        XCTAssertEqual(ok.status, 0, ok.all)
        XCTAssertEqual(try h.run(["verify"], env: env).status, 0)
    }

    /// A store on a small tmpfs, full at each of several levels (bytes, then inodes) somewhere
    /// in the middle of a build: the build fails cleanly or succeeds, the disk then grows, and
    /// the next build succeeds with a clean store and the results of a build that met no fault.
    func testAStoreFullAtEachLevelEndsCleanWithTheResultsOfAFaultFreeBuild() throws {
        let h = try rootProject()
        try h.write("exp.yaml", FaultInjectionTests.spec)
        let clean = try h.run(["build", "exp.yaml"], env: ["XGRAPH_STORE": h.dir.path + "/fault-free"])
        XCTAssertEqual(clean.status, 0, clean.all)
        let expected = FaultInjectionTests.metricColumns(
            try h.run(["results", "exp.yaml", "--format", "csv", "--step", "sum"], env: ["XGRAPH_STORE": h.dir.path + "/fault-free"]).out)
        for (i, limit) in ["size=48k", "size=96k", "size=160k", "nr_inodes=40", "nr_inodes=70", "nr_inodes=110"].enumerated() {
            let store = h.dir.path + "/store\(i)"
            try FileManager.default.createDirectory(atPath: store, withIntermediateDirectories: true)
            guard Self.sh("mount -t tmpfs -o \(limit) xgraph-test \"$0\"", store) == 0 else { throw XCTSkip("cannot mount a tmpfs here") }
            defer { _ = Self.sh("umount \"$0\"", store) }
            let env = ["XGRAPH_STORE": store]
            let full = try h.run(["build", "exp.yaml", "-k"], env: env)
            XCTAssertTrue([0, 1].contains(full.status), "\(limit): \(full.all)")
            // Either xgraph met the full disk (and says so) or a step did (its own write failed).
            if full.status != 0 {
                XCTAssertTrue(full.all.contains("No space left on device") || full.all.contains("exit status"), "\(limit): \(full.all)")
            }
            XCTAssertEqual(Self.sh("mount -o remount,size=64m,nr_inodes=100000 \"$0\"", store), 0)
            let ok = try h.run(["build", "exp.yaml"], env: env)
            XCTAssertEqual(ok.status, 0, "\(limit): \(ok.all)")
            let verify = try h.run(["verify"], env: env)
            XCTAssertEqual(verify.status, 0, "\(limit): \(verify.all)")
            let got = try h.run(["results", "exp.yaml", "--format", "csv", "--step", "sum"], env: env)
            XCTAssertEqual(FaultInjectionTests.metricColumns(got.out), expected, "\(limit): \(got.all)")
        }
    }

    /// After `kill -9` of a build, its job runs on as an orphan. Where PID 1 does not reap (a
    /// container whose entry point is the build itself), the orphan becomes a zombie when it
    /// ends; the next build must see that as "ended", not wait for it forever.
    func testTheNextBuildDoesNotWaitForAZombieOrphanOfAKilledBuild() throws {
        let h = try rootProject()
        guard Self.sh("unshare --pid --fork --mount-proc true", "") == 0 else { throw XCTSkip("no PID namespaces here") }
        try h.write("exp.yaml", """
            steps:
              slow:
                command: sleep 2; echo "$XGRAPH_NODE" >> ran.log; echo x > {{ out }}/x

            """)
        // In a new PID namespace the second build is PID 1 (exec), so the first build's orphaned
        // job is re-parented to it, and it never reaps that job.
        let script = """
            "$0" build exp.yaml > first.log 2>&1 & p=$!
            until grep -qs '"pgid"' cache/locks/*.lock; do sleep 0.05; done
            kill -9 $p
            exec timeout 20 "$0" build exp.yaml
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["--pid", "--fork", "--mount-proc", "/bin/sh", "-c", script, h.binary]
        p.currentDirectoryURL = h.dir
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("orphaned job"), text)
        XCTAssertEqual(try h.takeRan(), ["slow", "slow"], "the orphan finished once, then the node ran to be recorded")
    }

    @discardableResult
    static func sh(_ script: String, _ args: String...) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script] + args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}
