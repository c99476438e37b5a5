import Foundation
import XCTest
import XGraphCore
import XGraphStore
#if canImport(Glibc)
import Glibc
#endif

/// keys.log is an index of the records for fast null builds; when a line and a record disagree,
/// the record wins and the line is repaired.
final class KeyLogTrustTests: StoreTestCase {
    private func recordFile(_ store: Store, _ key: Digest) -> String {
        "\(store.root)/records/\(key.hex.prefix(2))/\(key.hex).json"
    }

    /// Replaces the output field of `key`'s keys.log line(s), leaving the rest of the line.
    private func rewriteLogOutput(_ store: Store, _ edits: [Digest: Digest]) throws {
        let path = store.root + "/keys.log"
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let out = lines.map { line -> String in
            var fields = line.split(separator: " ").map(String.init)
            if fields.count >= 2, let k = Digest(hex: fields[0]), let o = edits[k] { fields[1] = o.hex }
            return fields.joined(separator: " ")
        }
        try Data(out.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
    }

    func testAKeyLogLineWithAWrongOutputIsOverruledByTheRecordAndRepaired() throws {
        let store = try makeStore()
        let key = Digest.of("k")
        try store.write(sampleRecord(key: key, output: Digest.of("right")))
        try rewriteLogOutput(store, [key: Digest.of("wrong")])

        XCTAssertEqual(try Store(root: store.root).outputDigest(forKey: key), Digest.of("right"))
        // Repaired: the next reader finds a good line and no longer needs the record.
        let text = try String(contentsOfFile: store.root + "/keys.log", encoding: .utf8)
        XCTAssertTrue(text.contains(key.hex + " " + Digest.of("right").hex), text)
        chmod(recordFile(store, key), 0o644)
        try FileManager.default.removeItem(atPath: recordFile(store, key))
        XCTAssertEqual(try Store(root: store.root).outputDigest(forKey: key), Digest.of("right"))
    }

    func testSwappedKeyLogOutputsAreOverruledByTheRecords() throws {
        let store = try makeStore()
        let a = Digest.of("pretrain a"), b = Digest.of("pretrain b")
        try store.write(sampleRecord(key: a, output: Digest.of("checkpoint a")))
        try store.write(sampleRecord(key: b, output: Digest.of("checkpoint b")))
        try rewriteLogOutput(store, [a: Digest.of("checkpoint b"), b: Digest.of("checkpoint a")])

        let fresh = try Store(root: store.root)
        XCTAssertEqual(fresh.outputDigest(forKey: a), Digest.of("checkpoint a"))
        XCTAssertEqual(fresh.outputDigest(forKey: b), Digest.of("checkpoint b"))
    }
}
