import SpecFixtures
import XCTest
import XGraphCore
@testable import XGraphSpec

/// `remote:` (docs/remote.md): a URL or `{ url, trusted_keys }`; credentials are refused with
/// the place they were written, and never echoed.
final class RemoteSpecTests: XCTestCase {
    func at(_ f: Fixture, _ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: f.dir + "/exp.yaml", line: line, column: column)
    }

    let steps = "steps:\n  a: { command: echo }\n"

    func testURLAndMappingForms() throws {
        let s = try Fixture().load("remote: s3://lab/cache?endpoint=http://minio:9000\n" + steps)
        XCTAssertEqual(s.remote?.url, "s3://lab/cache?endpoint=http://minio:9000")
        let key = "ed25519:" + String(repeating: "A", count: 43) + "="
        let m = try Fixture().load("remote:\n  url: file:///srv/cache\n  trusted_keys: [\(key)]\n" + steps)
        XCTAssertEqual(m.remote?.trustedKeys, [key])
        XCTAssertNil(try Fixture().load(steps).remote)
    }

    func testCredentialsInTheFileAreRefusedAtTheirPlace() {
        let f = Fixture()
        let (loc, msg) = f.loadError(steps + "remote: s3://AKIAXXXX:hunter2@lab/cache\n")
        XCTAssertEqual(loc, at(f, 3, 9))
        XCTAssertTrue(msg.contains("credentials do not belong in the experiment file"), msg)
        XCTAssertFalse(msg.contains("hunter2"), msg)
    }

    func testRemoteSetInTwoFilesIsAnError() throws {
        let f = Fixture()
        _ = f.write("shared.yaml", "remote: file:///srv/a\n")
        let (loc, msg) = f.loadError("include: shared.yaml\nremote: file:///srv/b\n" + steps)
        XCTAssertEqual(loc, at(f, 2, 1))
        XCTAssertTrue(msg.contains("'remote' is set twice"), msg)
    }

    func testWrongSchemeAndKeyAndFieldsAreLocated() {
        let f = Fixture()
        var (loc, msg) = f.loadError("remote: https://lab.s3.amazonaws.com/cache\n" + steps)
        XCTAssertEqual(loc, at(f, 1, 9))
        XCTAssertTrue(msg.contains("must start with s3:// or file://"), msg)
        (loc, msg) = f.loadError("remote:\n  url: s3://lab/x\n  trusted_keys: [ssh-ed25519 AAAA]\n" + steps)
        XCTAssertEqual(loc, at(f, 3, 18))
        XCTAssertTrue(msg.contains("ed25519:<base64>"), msg)
        (loc, msg) = f.loadError("remote:\n  url: s3://lab/x\n  trusted: []\n" + steps)
        XCTAssertEqual(loc?.line, 3)
        XCTAssertTrue(msg.contains("trusted_keys"), msg)
    }
}
