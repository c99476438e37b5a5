import Foundation
import XCTest
import XGraphCore
import XGraphStore
#if canImport(Glibc)
import Glibc
#endif

final class VerifyTests: StoreTestCase {
    private func populatedStore() throws -> (Store, IngestResult) {
        let store = try makeStore()
        let r = try store.ingest(outputDirectory: try output(store, ["model.bin": "weights", "sub/m.json": "{}"]))
        try store.write(sampleRecord(key: Digest.of("k"), output: r.tree))
        return (store, r)
    }

    func testConsistentStoreVerifiesClean() throws {
        let (store, _) = try populatedStore()
        let report = try store.verify()
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.blobs, 2)
        XCTAssertEqual(report.trees, 1)
        XCTAssertEqual(report.artifacts, 1)
        XCTAssertEqual(report.records, 1)
    }

    func testVerifyFindsACorruptedBlob() throws {
        let (store, r) = try populatedStore()
        let d = try XCTUnwrap(r.outputs["model.bin"])
        let blob = "\(store.root)/blobs/\(d.hex.prefix(2))/\(d.hex)"
        chmod(blob, 0o644)
        try overwriteInPlace(blob, with: "WEIGHTS")
        let report = try store.verify()
        XCTAssertTrue(report.problems.contains { $0.contains("blob") && $0.contains(d.hex) }, "\(report.problems)")
        // The artifact shares the blob's inode, so it is reported as changed too.
        XCTAssertTrue(report.problems.contains { $0.contains("artifact \(r.tree.short)") }, "\(report.problems)")
    }

    func testVerifyFindsAMissingArtifact() throws {
        let (store, r) = try populatedStore()
        Self.forceRemove(store.artifactPath(r.tree))
        XCTAssertFalse(store.hasArtifact(r.tree))
        let report = try store.verify()
        XCTAssertEqual(report.problems.count, 1, "\(report.problems)")
        XCTAssertTrue(report.problems[0].contains("output tree \(r.tree.short) is not in the store"), report.problems[0])
    }

    func testVerifyRepairRestoresALostArtifactFromItsBlobs() throws {
        let (store, r) = try populatedStore()
        Self.forceRemove(store.artifactPath(r.tree))
        let report = try store.verify(repair: true)
        XCTAssertEqual(report.remaining, [], "\(report)")
        XCTAssertTrue(report.repairs.contains { $0.contains("restored") }, "\(report.repairs)")
        XCTAssertEqual(try String(contentsOfFile: store.artifactPath(r.tree) + "/model.bin", encoding: .utf8), "weights")
        XCTAssertEqual(try store.verify().problems, [])
    }

    /// The damaged blob is removed and the record marked lost (its node runs again at the next
    /// build), so the repaired store is consistent: nothing remains for a person.
    func testVerifyRepairLeavesALostArtifactWhoseBlobIsDamagedToARebuild() throws {
        let (store, r) = try populatedStore()
        Self.forceRemove(store.artifactPath(r.tree))
        let d = try XCTUnwrap(r.outputs["model.bin"])
        let blob = "\(store.root)/blobs/\(d.hex.prefix(2))/\(d.hex)"
        chmod(blob, 0o644)
        try overwriteInPlace(blob, with: "WEIGHTS")
        let report = try store.verify(repair: true)
        XCTAssertFalse(store.hasArtifact(r.tree), "a damaged blob must not come back as a good artifact")
        XCTAssertEqual(report.remaining, [], "\(report)")
        XCTAssertTrue(report.repairs.contains { $0.contains("removed the damaged blob") }, "\(report.repairs)")
        XCTAssertTrue(report.repairs.contains { $0.contains("lost") }, "\(report.repairs)")
        XCTAssertTrue(store.outputWasRemovedAsDamaged(forKey: Digest.of("k")))
        XCTAssertEqual(try store.verify().problems, [])
    }

    func testVerifyReportsTemporariesApartFromProblems() throws {
        let (store, _) = try populatedStore()
        var dead = ""
        do {
            let gone = try Store(root: store.root)
            dead = try output(gone, ["f": "x"])
        }
        let live = try output(store, ["g": "y"])
        let report = try store.verify()
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.temporaryLeftovers, [(dead as NSString).lastPathComponent])
        XCTAssertTrue(FileManager.default.fileExists(atPath: dead), "listed, not removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: live))
    }
}
