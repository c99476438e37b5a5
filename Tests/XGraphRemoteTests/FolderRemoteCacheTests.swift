import Foundation
import XCTest
import XGraphCore
import XGraphStore
@testable import XGraphRemote

/// RemoteCache over a `file://` remote, at the store level: what a hostile or broken remote can
/// and cannot make a store install.
final class FolderRemoteCacheTests: XCTestCase {
    var dir: String = ""

    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("rc-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir + "/remote", withIntermediateDirectories: true)
    }
    override func tearDown() {
        _ = try? Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "u+w", dir]).waitUntilExit()
        try? FileManager.default.removeItem(atPath: dir)
    }

    final class Warnings: @unchecked Sendable {
        let lock = NSLock()
        var lines: [String] = []
        func add(_ s: String) { lock.withLock { lines.append(s) } }
        var all: String { lock.withLock { lines.joined(separator: "\n") } }
    }

    func cache(_ w: Warnings, trusted: Set<PublicKey> = [], signer: SigningKey? = nil) throws -> RemoteCache {
        RemoteCache(url: try RemoteURL(parsing: "file://\(dir)/remote"), backend: FileRemote(root: dir + "/remote"),
                    trusted: trusted, signer: signer, backoff: 0.01, warn: { w.add($0) })
    }

    /// Store A with one node recorded: an output folder with a file, a sub-folder and a link.
    func recordedStore() throws -> (Store, ActionRecord) {
        let store = try Store(root: dir + "/A")
        let out = store.temporaryPath("out")
        try FileManager.default.createDirectory(atPath: out + "/sub", withIntermediateDirectories: true)
        try Data(repeating: 7, count: 100_000).write(to: URL(fileURLWithPath: out + "/model.bin"))
        try Data("hello\n".utf8).write(to: URL(fileURLWithPath: out + "/sub/a.txt"))
        try FileManager.default.createSymbolicLink(atPath: out + "/latest", withDestinationPath: "model.bin")
        let ingested = try store.ingest(outputDirectory: out)
        let record = ActionRecord(node: "n", step: "s", axes: [], params: .object([:]), metrics: .object([:]), key: Digest.of("key"),
                                  keyParts: [], inputs: [:], output: ingested.tree, outputs: ingested.outputs,
                                  provenance: Provenance(gitCommit: nil, gitBranch: nil, gitDirty: nil, gitDiffDigest: nil, xgraphVersion: "t",
                                                         host: "h", executor: "local", gpuModel: nil, gpuIDs: [], start: Date(), end: Date(),
                                                         exitStatus: 0, attempt: 1))
        return (store, try store.write(record))
    }

    func testPushThenFetchInstallsAVerifiedCopy() throws {
        let (a, record) = try recordedStore()
        let w = Warnings()
        XCTAssertEqual(try cache(w).push(record.key, from: a), .pushed(bytes: 100_006))
        XCTAssertEqual(try cache(w).push(record.key, from: a), .alreadyThere)
        let b = try Store(root: dir + "/B")
        let got = try cache(w).fetch(record.key, into: b)
        XCTAssertEqual(got?.output, record.output)
        XCTAssertEqual(got?.provenance.remote?.url, "file://\(dir)/remote")
        XCTAssertEqual(try b.record(forKey: record.key)?.output, record.output)
        let report = try b.verify()
        XCTAssertTrue(report.problems.isEmpty, "\(report.problems)")
        XCTAssertEqual(try String(contentsOfFile: b.artifactPath(record.output) + "/sub/a.txt", encoding: .utf8), "hello\n")
        XCTAssertEqual(w.all, "")
    }

    /// A blob missing on the remote: a miss, and store B has no record and no artifact.
    func testRecordWhoseBlobIsGoneIsAMissWithNothingInstalled() throws {
        let (a, record) = try recordedStore()
        let w = Warnings()
        _ = try cache(w).push(record.key, from: a)
        let blobs = FileManager.default.enumerator(atPath: dir + "/remote/blobs")!.allObjects as! [String]
        let big = blobs.first { (try? FileManager.default.attributesOfItem(atPath: dir + "/remote/blobs/" + $0)[.size] as? Int) == 100_000 }!
        try FileManager.default.removeItem(atPath: dir + "/remote/blobs/" + big)
        let b = try Store(root: dir + "/B")
        XCTAssertNil(try cache(w).fetch(record.key, into: b))
        XCTAssertNil(try b.record(forKey: record.key))
        XCTAssertFalse(b.hasArtifact(record.output))
        XCTAssertTrue((try b.verify()).problems.isEmpty)
        XCTAssertTrue(w.all.contains("lacks"), w.all)
    }

    /// A manifest that hashes right but names a path outside the artifact (written by whoever
    /// can write the bucket, with a matching unsigned record) is refused before anything is made.
    func testManifestWithPathOutsideTheArtifactIsRefused() throws {
        let evil = TreeManifest(entries: [.directory("x"), .file("x/../../escaped", digest: Digest.of("hi\n"), executable: false, size: 3)])
        let data = try JSONEncoder().encode(evil)
        XCTAssertThrowsError(try Store.checkForeignManifest(data, tree: evil.digest)) { XCTAssertTrue("\($0)".contains("unsafe"), "\($0)") }
        let absolute = TreeManifest(entries: [.link("l", target: "/etc/passwd")])
        XCTAssertThrowsError(try Store.checkForeignManifest(try JSONEncoder().encode(absolute), tree: absolute.digest))
        let good = TreeManifest(entries: [.file("a", digest: Digest.of("a"), executable: false, size: 1)])
        XCTAssertThrowsError(try Store.checkForeignManifest(try JSONEncoder().encode(good), tree: Digest.of("other"))) {
            XCTAssertTrue("\($0)".contains("hashes to"), "\($0)")
        }
    }

    /// A relative link that climbs out through another link is caught on the built folder.
    func testLinkEscapingThroughAnotherLinkIsRefused() throws {
        let b = try Store(root: dir + "/B")
        let m = TreeManifest(entries: [.directory("p"), .link("p/up", target: ".."), .link("leak", target: "p/up/../../etc")])
        let checked = try Store.checkForeignManifest(try JSONEncoder().encode(m), tree: m.digest)
        XCTAssertThrowsError(try b.importArtifact(checked, tree: m.digest, verified: []))
        XCTAssertFalse(b.hasArtifact(m.digest))
    }

    /// The store has a record of the key whose output is gone: the fetched one replaces it, so
    /// the hit is not a record pointing at nothing.
    func testFetchReplacesALocalRecordWhoseOutputIsGone() throws {
        let (a, record) = try recordedStore()
        let w = Warnings()
        _ = try cache(w).push(record.key, from: a)
        let b = try Store(root: dir + "/B")
        var stale = record
        stale.output = Digest.of("an artifact that is gone")
        try b.write(stale)
        let got = try XCTUnwrap(try cache(w).fetch(record.key, into: b))
        XCTAssertEqual(got.output, record.output)
        XCTAssertEqual(try b.record(forKey: record.key)?.output, record.output)
        XCTAssertEqual(b.outputDigest(forKey: record.key), record.output)
        XCTAssertTrue(b.hasArtifact(record.output))
        XCTAssertEqual(b.replacedRecordNames().count, 1, "the stale record is kept under history/")
    }

    /// A record whose `outputs` do not describe its tree (forged by hand, unsigned) is refused
    /// and nothing of it is installed.
    func testRecordWhoseOutputsDoNotMatchItsTreeIsRefused() throws {
        let (a, record) = try recordedStore()
        let w = Warnings()
        _ = try cache(w).push(record.key, from: a)
        var forged = record
        forged.outputs["model.bin"] = Digest.of("something else")
        let path = dir + "/remote/" + RemoteLayout.record(record.key)
        try FileManager.default.removeItem(atPath: path)
        try SignedRecord.make(forged, signer: nil, pushedBy: "x@y").encoded().write(to: URL(fileURLWithPath: path))
        let b = try Store(root: dir + "/B")
        XCTAssertNil(try cache(w).fetch(record.key, into: b))
        XCTAssertNil(try b.record(forKey: record.key))
        XCTAssertTrue(w.all.contains("does not describe its output tree"), w.all)
    }

    /// In a shared folder, a record that is a link to some other file is not read through.
    func testLinkInAFolderRemoteIsNotFollowed() throws {
        let (a, record) = try recordedStore()
        let w = Warnings()
        _ = try cache(w).push(record.key, from: a)
        let path = dir + "/remote/" + RemoteLayout.record(record.key)
        try FileManager.default.moveItem(atPath: path, toPath: dir + "/elsewhere.json")
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: dir + "/elsewhere.json")
        let b = try Store(root: dir + "/B")
        XCTAssertNil(try cache(w).fetch(record.key, into: b))
        XCTAssertNil(try b.record(forKey: record.key))
        XCTAssertTrue(w.all.contains("a link, not an object"), w.all)
    }

    func testBlobWithWrongBytesIsNeverInstalled() throws {
        let b = try Store(root: dir + "/B")
        let tmp = b.temporaryPath("fetch")
        try Data("evil".utf8).write(to: URL(fileURLWithPath: tmp))
        XCTAssertThrowsError(try b.importBlob(from: tmp, digest: Digest.of("good"), executable: false))
        XCTAssertNil(b.blobFile(Digest.of("good")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp))
    }

    /// A damaged blob in the pushing store is not published under its name.
    func testDamagedLocalBlobIsNotPushed() throws {
        let (a, record) = try recordedStore()
        let manifest = try a.manifest(record.output)!
        let d = manifest.entries.first { $0.size == 100_000 }!.digest!
        let path = a.blobFile(d)!
        chmod(path, 0o644)
        try Data(repeating: 8, count: 100_000).write(to: URL(fileURLWithPath: path))
        let w = Warnings()
        XCTAssertThrowsError(try cache(w).push(record.key, from: a)) { XCTAssertTrue("\($0)".contains("no longer holds"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/remote/" + RemoteLayout.blob(d)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/remote/" + RemoteLayout.record(record.key)))
    }

    func testRemoteThatIsGoneIsMarkedDownOnceAndNotAskedAgain() throws {
        let w = Warnings()
        let c = RemoteCache(url: try RemoteURL(parsing: "file:///nonexistent-\(UUID().uuidString)"),
                            backend: FileRemote(root: "/nonexistent-x"), backoff: 0.01, warn: { w.add($0) })
        let b = try Store(root: dir + "/B")
        XCTAssertNil(c.fetch(Digest.of("a"), into: b))
        XCTAssertNil(c.fetch(Digest.of("b"), into: b))
        XCTAssertNotNil(c.downReason)
        XCTAssertEqual(w.lines.count, 1, w.all)
    }
}
