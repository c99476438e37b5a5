import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A push killed half way through a large blob goes on, on the next push, from what the remote
/// already holds (S3: the open multipart upload's parts; a folder: the partial file in tmp/),
/// never trusting those bytes; and `gc --remote` ends uploads left unfinished, only after its
/// grace period.
final class RemoteResumeTests: XCTestCase {
    func waitFor(_ what: String, timeout: Double = 60, _ cond: () throws -> Bool) rethrows {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline { if try cond() { return }; usleep(10_000) }
        XCTFail("timed out waiting for \(what)")
    }

    /// `make`'s data.txt with n = 5,000,000 is 38,888,896 bytes: 8 parts of 5 MiB.
    static let bigN = 5_000_000
    static let bigParts = 8
    static let partSize = 5 << 20

    static func multipartEnv(_ s: S3TestServer) -> [String: String] {
        s.env.merging(["XGRAPH_REMOTE_MULTIPART_THRESHOLD": String(partSize)]) { $1 }
    }

    /// A server slowed to 5 MB/s (so a push can be killed mid-upload), and store A holding the
    /// 8-part blob, built without the remote.
    static func bigBlobBuilt(port: Int) throws -> (S3TestServer, CLIHarness, [String: String]) {
        let s = try S3TestServer(port: port, bandwidth: "5M")
        let h = try RemoteScenarios.project(n: bigN)
        XCTAssertEqual(try h.run(["build", "exp.yaml", "--store", "A", "--remote-mode", "off"]).status, 0)
        _ = RemoteScenarios.ran(h)
        return (s, h, multipartEnv(s))
    }

    /// Starts `xgraph push` and kills it (SIGKILL) once the server has begun its third part, so
    /// at least two parts are whole on the server and the upload stays open.
    func killedPush(_ h: CLIHarness, _ s: S3TestServer, prefix: String, env: [String: String]) throws {
        let before = s.served("put multipart upload")
        let push = try h.start(["push", "exp.yaml", "--store", "A", "--remote", s.url(prefix)], outputTo: "killed.log", env: env)
        waitFor("the third part") { s.served("put multipart upload") >= before + 3 }
        kill(push.processIdentifier, SIGKILL)
        push.waitUntilExit()
    }

    func testPushKilledMidMultipartResumesFromThePartsOnTheServerAndNeverTrustsAForeignPart() throws {
        let (s, h, env) = try Self.bigBlobBuilt(port: 19_244)
        try killedPush(h, s, prefix: "resume", env: env)
        // `use` (small files) may have been pushed; `make`, whose blob is not whole, was not.
        XCTAssertLessThanOrEqual(s.objects("resume").filter { $0.hasPrefix("records/") }.count, 1, "no record before its blob is whole")
        let open = try s.openUploads("resume")
        XCTAssertEqual(open.count, 1, "the killed push's upload is still open")
        let (key, id) = try XCTUnwrap(open.first)
        let held = try s.parts(key: key, id: id)
        XCTAssertGreaterThanOrEqual(held.count, 2, "\(held)")
        let sentBefore = s.served("put multipart upload")
        let again = try h.run(["push", "exp.yaml", "--store", "A", "--remote", s.url("resume")], env: env)
        XCTAssertEqual(again.status, 0, again.all)
        XCTAssertEqual(s.objects("resume").filter { $0.hasPrefix("records/") }.count, 2, again.all)
        // Only the parts the server lacked.
        XCTAssertEqual(s.served("put multipart upload") - sentBefore, Self.bigParts - held.count, "parts sent on resuming (the server held \(held))")
        XCTAssertEqual(s.served("initiate multipart upload"), 1, "the upload went on, no new one was started")
        XCTAssertTrue(try s.openUploads("resume").isEmpty)
        // Every byte comes back as the blob's digest says (the pull hashes each one).
        let c = try h.run(["build", "exp.yaml", "--store", "C", "--remote", s.url("resume")], env: env)
        XCTAssertEqual(c.status, 0, c.all)
        XCTAssertEqual(RemoteScenarios.ran(h), [], c.all)
        try RemoteScenarios.verifyClean(h, store: "C")

        // Another client puts other bytes of the right size as a later part of a killed push's
        // upload: the resuming push must see that their MD5 is not the file's, and send that
        // part again or (rclone will not replace a part) start an upload of its own.
        try killedPush(h, s, prefix: "foreign", env: env)
        let (fkey, fid) = try XCTUnwrap(try s.openUploads("foreign").first)
        let number = (try s.parts(key: fkey, id: fid).max() ?? 0) + 2
        try s.putPart(key: fkey, id: fid, number: number, bytes: Data(repeating: 0x55, count: Self.partSize))
        XCTAssertTrue(try s.parts(key: fkey, id: fid).contains(number))
        let third = try h.run(["push", "exp.yaml", "--store", "A", "--remote", s.url("foreign")], env: env)
        XCTAssertEqual(third.status, 0, third.all)
        XCTAssertFalse(third.err.contains("warning"), third.all)
        let d = try h.run(["build", "exp.yaml", "--store", "D", "--remote", s.url("foreign")], env: env)
        XCTAssertEqual(d.status, 0, d.all)
        XCTAssertEqual(RemoteScenarios.ran(h), [], "the blob on the remote is whole and right: \(d.all)")
        try RemoteScenarios.verifyClean(h, store: "D")
    }

    /// An upload a push is sending now is never ended by gc within the grace period; one left
    /// open by a killed push is kept by the default grace and ended once it has been idle
    /// longer than the grace given; the next push then starts anew and completes.
    func testGCEndsOpenUploadsOnlyAfterTheGrace() throws {
        let (s, h, env) = try Self.bigBlobBuilt(port: 19_245)
        // A live push: gc with a one-minute grace leaves its upload alone.
        let live = try h.start(["push", "exp.yaml", "--store", "A", "--remote", s.url("live")], outputTo: "live.log", env: env)
        waitFor("two parts") { s.served("put multipart upload") >= 2 }
        let gcLive = try h.run(["gc", "--remote", s.url("live"), "exp.yaml", "--store", "A", "--grace", "60s", "--yes"], env: env)
        XCTAssertEqual(gcLive.status, 0, gcLive.all)
        XCTAssertFalse(gcLive.out.contains("unfinished upload"), gcLive.all)
        live.waitUntilExit()
        XCTAssertEqual(live.terminationStatus, 0, (try? h.read("live.log")) ?? "")
        XCTAssertEqual(s.served("initiate multipart upload"), 1)

        try killedPush(h, s, prefix: "left", env: env)
        XCTAssertEqual(try s.openUploads("left").count, 1)
        let kept = try h.run(["gc", "--remote", s.url("left"), "exp.yaml", "--store", "A", "--yes"], env: env)
        XCTAssertEqual(kept.status, 0, kept.all)
        XCTAssertEqual(try s.openUploads("left").count, 1, "within the default grace (1d): \(kept.all)")
        sleep(2)
        let dry = try h.run(["gc", "--remote", s.url("left"), "exp.yaml", "--store", "A", "--grace", "1s", "--dry-run"], env: env)
        XCTAssertTrue(dry.out.contains("would end 1 unfinished upload"), dry.all)
        XCTAssertEqual(try s.openUploads("left").count, 1, "a dry run ends nothing")
        let ended = try h.run(["gc", "--remote", s.url("left"), "exp.yaml", "--store", "A", "--grace", "1s", "--yes"], env: env)
        XCTAssertEqual(ended.status, 0, ended.all)
        XCTAssertTrue(ended.out.contains("ended 1 unfinished upload"), ended.all)
        XCTAssertTrue(try s.openUploads("left").isEmpty, ended.all)
        let push = try h.run(["push", "exp.yaml", "--store", "A", "--remote", s.url("left")], env: env)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertEqual(s.served("initiate multipart upload"), 3, "a new upload after the old one was ended")
        let c = try h.run(["build", "exp.yaml", "--store", "C", "--remote", s.url("left")], env: env)
        XCTAssertEqual(RemoteScenarios.ran(h), [], c.all)
        try RemoteScenarios.verifyClean(h, store: "C")
    }

    /// A folder remote: a partial left in tmp/ by a killed push, whose second MiB another hand
    /// changed, is continued (the object is the partial's file, renamed) from the first
    /// difference, and the object holds exactly the blob's bytes.
    func testFolderPushContinuesAPartialFileAndNeverTrustsItsBytes() throws {
        let r = try FolderRemote(owner: TestUser.current)
        let (h, blobs, local) = try Self.storeWithALargeBlob()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: blobs + "/" + local))
        XCTAssertGreaterThan(bytes.count, 10 << 20)
        let url = r.url("partial")
        let tmp = r.path("partial", "tmp")
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let partial = tmp + "/upload-blobs_" + local.replacingOccurrences(of: "/", with: "_")
        var written = bytes.prefix(6 << 20)
        written[written.startIndex + (1 << 20) + 17] ^= 0xff
        try written.write(to: URL(fileURLWithPath: partial))
        if let u = TestUser.current { try u.own(tmp); try u.own(partial) }
        let inode = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: partial)[.systemFileNumber] as? Int)
        let push = try h.run(["push", "exp.yaml", "--store", "A", "--remote", url], env: ["XGRAPH_REMOTE_MULTIPART_THRESHOLD": "5242880"])
        XCTAssertEqual(push.status, 0, push.all)
        let object = r.path("partial", "blobs/" + local)
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: object)[.systemFileNumber] as? Int, inode, "the partial was continued")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: object)), bytes, "the changed MiB was written again")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp), [])
        let c = try h.run(["build", "exp.yaml", "--store", "C", "--remote", url])
        XCTAssertEqual(c.status, 0, c.all)
        XCTAssertEqual(RemoteScenarios.ran(h), [], c.all)
        try RemoteScenarios.verifyClean(h, store: "C")
    }

    /// A partial that is a hard link to another file of the shared folder (a hand put it there)
    /// is not written through: that file keeps its bytes, and the blob arrives whole.
    func testFolderPartialThatIsAHardLinkIsLeftAlone() throws {
        let r = try FolderRemote(owner: TestUser.current)
        let (h, blobs, local) = try Self.storeWithALargeBlob()
        let url = r.url("linked")
        let tmp = r.path("linked", "tmp")
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let victim = r.path("linked", "victim.bin")
        let original = Data(repeating: 0x42, count: 3 << 20)
        try original.write(to: URL(fileURLWithPath: victim))
        let partial = tmp + "/upload-blobs_" + local.replacingOccurrences(of: "/", with: "_")
        XCTAssertEqual(link(victim, partial), 0)
        if let u = TestUser.current { try u.own(tmp); try u.own(victim) }
        let push = try h.run(["push", "exp.yaml", "--store", "A", "--remote", url], env: ["XGRAPH_REMOTE_MULTIPART_THRESHOLD": "5242880"])
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: victim)), original, "the linked file was not written through")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: r.path("linked", "blobs/" + local))),
                       try Data(contentsOf: URL(fileURLWithPath: blobs + "/" + local)))
    }

    /// gc --remote on a folder deletes tmp/ files idle longer than the grace, and keeps a fresh
    /// one and an old one a push holds locked (it is writing it now).
    func testFolderGCDeletesIdleTemporariesOnly() throws {
        let r = try FolderRemote(owner: TestUser.current)
        let h = try RemoteScenarios.project()
        XCTAssertEqual(try RemoteScenarios.build(h, "A", r, "tmpgc").status, 0)
        let tmp = r.path("tmpgc", "tmp")
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let old = Date().addingTimeInterval(-3 * 86400)
        for name in ["123-old", "upload-blobs_aa_old", "upload-blobs_bb_locked", "456-fresh"] {
            try Data(repeating: 7, count: 1000).write(to: URL(fileURLWithPath: tmp + "/" + name))
            if !name.hasSuffix("fresh") { try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: tmp + "/" + name) }
            if let u = TestUser.current { try u.own(tmp + "/" + name) }
        }
        if let u = TestUser.current { try u.own(tmp) }
        let fd = open(tmp + "/upload-blobs_bb_locked", O_RDONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        XCTAssertEqual(flock(fd, LOCK_EX), 0)
        let gc = try h.run(["gc", "--remote", r.url("tmpgc"), "exp.yaml", "--store", "A", "--yes"])
        XCTAssertEqual(gc.status, 0, gc.all)
        XCTAssertTrue(gc.out.contains("ended 2 unfinished uploads"), gc.all)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: tmp).sorted(), ["456-fresh", "upload-blobs_bb_locked"])
        // The remote is whole: a fresh store fetches everything.
        _ = RemoteScenarios.ran(h)
        let b = try RemoteScenarios.build(h, "B", r, "tmpgc")
        XCTAssertEqual(RemoteScenarios.ran(h), [], b.all)
    }

    /// A project built into store A without a remote, its blobs folder, and the path (below it)
    /// of its largest blob: the checkpoint a folder push sends through a partial.
    static func storeWithALargeBlob() throws -> (h: CLIHarness, blobs: String, local: String) {
        let h = try RemoteScenarios.project(n: 2_000_000)
        XCTAssertEqual(try h.run(["build", "exp.yaml", "--store", "A", "--remote-mode", "off"]).status, 0)
        _ = RemoteScenarios.ran(h)
        let blobs = h.dir.path + "/A/blobs"
        let local = try XCTUnwrap((FileManager.default.enumerator(atPath: blobs)?.allObjects as? [String] ?? [])
            .filter { !$0.hasSuffix(".x") && $0.contains("/") }
            .max { size(blobs + "/" + $0) < size(blobs + "/" + $1) })
        return (h, blobs, local)
    }

    static func size(_ path: String) -> Int { (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
}
