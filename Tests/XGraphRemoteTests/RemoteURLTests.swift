import XCTest
import XGraphCore
@testable import XGraphRemote

final class RemoteURLTests: XCTestCase {
    func testS3URLWithEndpointRegionAndPathStyle() throws {
        let u = try RemoteURL(parsing: "s3://my-bucket/team/cache?endpoint=http://127.0.0.1:9000&region=eu-west-1&path_style=1")
        guard case .s3(let l) = u.kind else { return XCTFail("\(u.kind)") }
        XCTAssertEqual(l.bucket, "my-bucket")
        XCTAssertEqual(l.prefix, "team/cache/")
        XCTAssertEqual(l.region, "eu-west-1")
        XCTAssertEqual(l.objectURL("records/ab/x.json"), "http://127.0.0.1:9000/my-bucket/team/cache/records/ab/x.json")
    }

    func testAWSDefaultsToVirtualHostedStyle() throws {
        let u = try RemoteURL(parsing: "s3://lab-results?region=us-west-2")
        guard case .s3(let l) = u.kind else { return XCTFail() }
        XCTAssertEqual(l.objectURL("blobs/ab/cd"), "https://lab-results.s3.us-west-2.amazonaws.com/blobs/ab/cd")
    }

    func testCredentialsInTheURLAreRefused() {
        XCTAssertThrowsError(try RemoteURL(parsing: "s3://AKIA:secret@bucket/x")) { e in
            XCTAssertTrue("\(e)".contains("AWS_ACCESS_KEY_ID"), "\(e)")
            XCTAssertFalse("\(e)".contains("secret@"), "the secret is not repeated: \(e)")
        }
        XCTAssertThrowsError(try RemoteURL(parsing: "s3://bucket/x?endpoint=http://u:p@host:9000"))
    }

    func testBadSettingsNameWhatIsValid() {
        XCTAssertThrowsError(try RemoteURL(parsing: "s3://bucket/x?pathstyle=1")) { XCTAssertTrue("\($0)".contains("valid: endpoint, region, path_style")) }
        XCTAssertThrowsError(try RemoteURL(parsing: "s3://B/x")) { XCTAssertTrue("\($0)".contains("not a bucket name")) }
        XCTAssertThrowsError(try RemoteURL(parsing: "s3://bucket/../x"))
        XCTAssertThrowsError(try RemoteURL(parsing: "file://relative/path"))
        XCTAssertThrowsError(try RemoteURL(parsing: "http://example.com/cache"))
    }

    func testFileURL() throws {
        let u = try RemoteURL(parsing: "file:///srv/cache/")
        XCTAssertEqual(u.kind, .folder("/srv/cache"))
    }

    /// 100 GB fits in 1,000 parts; small files use S3's floor; parts are whole MiB.
    func testPartSizeFitsTheLargestFileInAThousandParts() {
        let gb: Int64 = 1_000_000_000
        let size = 100 * gb
        let part = S3Remote.partSize(for: size, threshold: 64 << 20)
        XCTAssertLessThanOrEqual((size + part - 1) / part, 1000)
        XCTAssertEqual(part % (1 << 20), 0)
        XCTAssertEqual(S3Remote.partSize(for: 70 << 20, threshold: 64 << 20), 8 << 20)
        XCTAssertEqual(S3Remote.partSize(for: 15 << 20, threshold: 5 << 20), 5 << 20)
    }

    func testCredentialsFileProfile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aws-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("credentials").path
        try "[default]\naws_access_key_id = AKDEFAULT\naws_secret_access_key = s1\n\n[lab]\naws_access_key_id=AKLAB\naws_secret_access_key=s2\n"
            .write(toFile: file, atomically: true, encoding: .utf8)
        let c = try AWSCredentials.load(environment: ["AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "lab"])
        XCTAssertEqual(c.accessKey, "AKLAB")
        XCTAssertFalse(c.description.contains("s2"), "never the secret: \(c.description)")
        XCTAssertThrowsError(try AWSCredentials.load(environment: ["AWS_SHARED_CREDENTIALS_FILE": file, "AWS_PROFILE": "nope"]))
        let env = try AWSCredentials.load(environment: ["AWS_ACCESS_KEY_ID": "AKENV", "AWS_SECRET_ACCESS_KEY": "x", "AWS_SHARED_CREDENTIALS_FILE": file])
        XCTAssertEqual(env.accessKey, "AKENV", "the environment wins")
    }
}
