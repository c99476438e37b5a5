import Foundation
import XCTest
import XGraphCore
import XGraphStore
@testable import XGraphRemote

final class SignedRecordTests: XCTestCase {
    func record(_ key: Digest, metrics: JSONValue = .object([:])) -> ActionRecord {
        ActionRecord(node: "train/data=1", step: "train", axes: [], params: .object([:]), metrics: metrics, key: key,
                     keyParts: [], inputs: [:], output: Digest.of("tree"), outputs: [:],
                     provenance: Provenance(gitCommit: "abc", gitBranch: "main", gitDirty: false, gitDiffDigest: nil,
                                            xgraphVersion: "t", host: "gpu1", executor: "local", gpuModel: nil, gpuIDs: [],
                                            start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 1),
                                            exitStatus: 0, attempt: 1))
    }

    func testSignedRecordIsAcceptedOnlyFromTrustedKeys() throws {
        let key = Digest.of("k")
        let mine = try SigningKey.generate(), other = try SigningKey.generate()
        let data = try SignedRecord.make(record(key), signer: mine, pushedBy: "a@b").encoded()
        guard case .accepted(let r, let signer) = SignedRecord.check(data, key: key, trusted: [mine.publicKey]) else { return XCTFail() }
        XCTAssertEqual(r.key, key)
        XCTAssertEqual(signer, mine.publicKey)
        guard case .rejected(let why) = SignedRecord.check(data, key: key, trusted: [other.publicKey]) else { return XCTFail() }
        XCTAssertTrue(why.contains("not in trusted_keys"), why)
        guard case .accepted = SignedRecord.check(data, key: key, trusted: []) else { return XCTFail("no keys configured: accepted") }
    }

    func testUnsignedRecordIsRefusedWhenKeysAreConfigured() throws {
        let key = Digest.of("k")
        let data = try SignedRecord.make(record(key), signer: nil, pushedBy: "a@b").encoded()
        guard case .rejected(let why) = SignedRecord.check(data, key: key, trusted: [try SigningKey.generate().publicKey]) else { return XCTFail() }
        XCTAssertTrue(why.contains("unsigned"), why)
    }

    /// An attacker who can write the bucket changes a metric in a signed record: the signature
    /// no longer verifies, and that is refused even with no trusted keys configured.
    func testAlteredRecordIsRefusedEvenWithoutTrustedKeys() throws {
        let key = Digest.of("k")
        let signer = try SigningKey.generate()
        var env = try SignedRecord.make(record(key, metrics: .object(["acc": .double(0.5)])), signer: signer, pushedBy: "a@b")
        env.record = try ActionRecordCoding.encode(record(key, metrics: .object(["acc": .double(0.99)])))
        guard case .rejected(let why) = SignedRecord.check(try env.encoded(), key: key, trusted: []) else { return XCTFail() }
        XCTAssertTrue(why.contains("does not verify"), why)
    }

    /// A genuine signed record copied under another key is refused (the signature binds the key).
    func testRecordFiledUnderAnotherKeyIsRefused() throws {
        let signer = try SigningKey.generate()
        let data = try SignedRecord.make(record(Digest.of("k1")), signer: signer, pushedBy: "a@b").encoded()
        guard case .rejected = SignedRecord.check(data, key: Digest.of("k2"), trusted: [signer.publicKey]) else { return XCTFail() }
        guard case .rejected = SignedRecord.check(Data("{}".utf8), key: Digest.of("k1"), trusted: []) else { return XCTFail() }
    }

    func testKeyFileRoundTripAndPermissions() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sk-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("xgraph/signing-key").path
        let key = try SigningKey.generate()
        try key.write(to: path)
        XCTAssertEqual(try SigningKey.load(path: path).publicKey, key.publicKey)
        XCTAssertThrowsError(try key.write(to: path), "never replaced")
        chmod(path, 0o644)
        XCTAssertThrowsError(try SigningKey.load(path: path)) { XCTAssertTrue("\($0)".contains("chmod 600"), "\($0)") }
        XCTAssertEqual(try PublicKey(parsing: key.publicKey.description), key.publicKey)
        XCTAssertThrowsError(try PublicKey(parsing: "ssh-ed25519 AAAA"))
    }
}
