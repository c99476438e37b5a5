import Foundation
import XCTest
import XGraphCore

/// SHA-256 comes from libcrypto: these pin it to the standard's test vectors through every entry
/// point, so a change of backend that altered a single digest (and so every key) fails here.
final class DigestTests: XCTestCase {
    // FIPS 180-2 examples.
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    let twoBlocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
    let twoBlocksDigest = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"

    func testStandardVectorsThroughEveryEntryPoint() {
        XCTAssertEqual(Digest.of("").hex, empty)
        XCTAssertEqual(Digest.of("abc").hex, abc)
        XCTAssertEqual(Digest.of(Data("abc".utf8)).hex, abc)
        XCTAssertEqual(Digest.of([UInt8]("abc".utf8)).hex, abc)
        XCTAssertEqual(Digest.of(twoBlocks).hex, twoBlocksDigest)
    }

    func testNonContiguousBytesHashAsTheirConcatenation() {
        // DispatchData made of separate regions has no contiguous storage: hashed region by region.
        var data = DispatchData.empty
        for part in ["abcdbcdecdefdefg", "efghfghighijhijkijkl", "jklmklmnlmnomnopnopq"] {
            part.utf8CString.dropLast().withUnsafeBytes { data.append($0) }
        }
        XCTAssertEqual(Digest.of(data).hex, twoBlocksDigest)
    }

    func testIncrementalHasherAndCopiesAreIndependent() {
        var h = Hasher256()
        h.update("abcdbcdecdefdefg")
        let copy = h
        h.update(Data("efghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        XCTAssertEqual(h.finalize().hex, twoBlocksDigest)
        var rest = copy
        rest.update("")
        XCTAssertEqual(rest.finalize().hex, Digest.of("abcdbcdecdefdefg").hex)
    }

    func testFileHashingMatchesInMemoryDigestAcrossBufferBoundaries() throws {
        // 2.5 MiB and 123 bytes: many of FileHashing's 64 KiB reads, and a partial last one.
        let bytes = (0..<((5 << 19) + 123)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 8)) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("digest-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        XCTAssertEqual(try FileHashing.sha256(path: path), Digest.of(bytes))
    }

    func testMissingFileIsAnErrorNamingIt() {
        XCTAssertThrowsError(try FileHashing.sha256(path: "/nonexistent/xgraph-digest")) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/xgraph-digest"), "\(error)")
        }
    }
}
