import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A large blob comes down in four ranged GETs and is hashed as the ranges land (no second pass
/// over the file): that hash must still refuse bytes that are not the blob's.
extension S3RemoteTests {
    func testLargeBlobChangedOnTheServerIsRefusedThroughRangedDownload() throws {
        let s = try s3()
        let h = try RemoteScenarios.project(n: 2_000_000)
        var env = s.env
        env["XGRAPH_REMOTE_MULTIPART_THRESHOLD"] = "5242880"
        XCTAssertEqual(try h.run(["build", "exp.yaml", "--store", "A", "--remote", s.url("ranged")], env: env).status, 0)
        _ = RemoteScenarios.ran(h)
        let largest = s.objects("ranged").filter { $0.hasPrefix("blobs/") }
            .max { ((try? FileManager.default.attributesOfItem(atPath: s.path("ranged", $0))[.size] as? Int) ?? 0)
                < ((try? FileManager.default.attributesOfItem(atPath: s.path("ranged", $1))[.size] as? Int) ?? 0) }
        let blob = try XCTUnwrap(largest)
        // Same size, one byte changed in the third range: only the hash can tell.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: s.path("ranged", blob)))
        try handle.seek(toOffset: 9_000_000)
        let old = try XCTUnwrap(try handle.read(upToCount: 1)).first ?? 0
        try handle.seek(toOffset: 9_000_000)
        try handle.write(contentsOf: Data([old ^ 0x01]))
        try handle.close()
        let b = try h.run(["build", "exp.yaml", "--store", "B", "--remote", s.url("ranged")], env: env)
        XCTAssertEqual(b.status, 0, b.all)
        XCTAssertTrue(b.err.contains("refused a downloaded blob"), b.all)
        XCTAssertEqual(RemoteScenarios.ran(h), ["make"], b.all)
        try RemoteScenarios.verifyClean(h, store: "B")
        // And an intact one is accepted on the hash made while the ranges arrived.
        let c = try h.run(["build", "exp.yaml", "--store", "C", "--remote", s.url("ranged")], env: env)
        XCTAssertEqual(c.status, 0, c.all)
        XCTAssertEqual(RemoteScenarios.ran(h), [], "B's push repaired the blob: \(c.all)")
        try RemoteScenarios.verifyClean(h, store: "C")
    }
}
