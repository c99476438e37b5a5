import Foundation
import XCTest
import XGraphCore
import XGraphStore
#if canImport(Glibc)
import Glibc
#endif

/// A temporary folder per test, and small helpers to make files in it.
class StoreTestCase: XCTestCase {
    var scratch = ""

    override func setUpWithError() throws {
        scratch = NSTemporaryDirectory() + "xgraph-store-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    override func tearDown() {
        Self.forceRemove(scratch)
    }

    /// Removes a tree even when the store made parts of it read-only.
    static func forceRemove(_ path: String) {
        _ = try? Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "u+w", path]).waitUntilExit()
        try? FileManager.default.removeItem(atPath: path)
    }

    func makeStore(_ name: String = "cache") throws -> Store {
        try Store(root: scratch + "/" + name)
    }

    func write(_ text: String, to path: String, executable: Bool = false) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        chmod(path, executable ? 0o755 : 0o644)
    }

    /// Fills a fresh output folder of `store` with `files` (relative path → content).
    func output(_ store: Store, _ files: [String: String], node: String = "n") throws -> String {
        let dir = try store.makeOutputDirectory(for: node)
        for (rel, text) in files { try write(text, to: dir + "/" + rel) }
        return dir
    }

    /// Overwrites a file's bytes in place (same inode), as `dd conv=notrunc` would.
    func overwriteInPlace(_ path: String, with text: String) throws {
        let fd = open(path, O_WRONLY)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let bytes = Array(text.utf8)
        XCTAssertEqual(Glibc.write(fd, bytes, bytes.count), bytes.count)
    }

    func mtime(_ path: String) -> timespec {
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        return st.st_mtim
    }

    func setMTime(_ path: String, _ t: timespec) {
        var times = [t, t]
        XCTAssertEqual(utimensat(AT_FDCWD, path, &times, 0), 0)
    }

    func hostName() -> String {
        var buf = [CChar](repeating: 0, count: 256)
        XCTAssertEqual(gethostname(&buf, 255), 0)
        return String(cString: buf)
    }

    func mode(_ path: String) -> mode_t {
        var st = stat()
        XCTAssertEqual(lstat(path, &st), 0)
        return st.st_mode & 0o7777
    }

    func sampleRecord(key: Digest, output: Digest, node: String = "pretrain/data=30M/model=r101",
                      metric: Double = 0.5) -> ActionRecord {
        ActionRecord(
            node: node, step: "pretrain",
            axes: [AxisEntry(name: "data", value: "30M"), AxisEntry(name: "model", value: "r101")],
            params: .object(["lr": .double(0.1), "epochs": .int(3)]),
            metrics: .object(["top1": .double(metric)]),
            key: key,
            keyParts: [KeyPart(name: "params", value: "{\"lr\":0.1}", digest: Digest.of("params"))],
            inputs: ["subset": Digest.of("subset")],
            output: output, outputs: ["model.safetensors": Digest.of("model")],
            provenance: Provenance(
                gitCommit: "0123abc", gitBranch: "main", gitDirty: true, gitDiffDigest: Digest.of("diff"),
                xgraphVersion: "0.1.0", host: "vm", executor: "local", gpuModel: nil, gpuIDs: [0, 1],
                start: Date(timeIntervalSince1970: 1_790_000_000), end: Date(timeIntervalSince1970: 1_790_000_042.25),
                exitStatus: 0, attempt: 1))
    }
}
