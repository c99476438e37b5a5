import Foundation
import XCTest

/// Runs the built `xgraph` binary in a temporary project folder, as a user would.
struct CLIHarness {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("xgraph-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    /// The binary next to the test bundle (SwiftPM builds it because CLITests depends on it).
    static var binary: String {
        let bundleDir = Bundle.main.bundleURL
        for candidate in [bundleDir.appendingPathComponent("xgraph"),
                          bundleDir.deletingLastPathComponent().appendingPathComponent("xgraph")] {
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        }
        return bundleDir.appendingPathComponent("xgraph").path
    }

    func write(_ path: String, _ text: String) throws {
        let url = dir.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    func read(_ path: String) throws -> String {
        try String(contentsOf: dir.appendingPathComponent(path), encoding: .utf8)
    }

    struct Result {
        var status: Int32
        var out: String
        var err: String
        var all: String { out + err }
    }

    /// Runs `xgraph ARGS` in the project folder and waits for it.
    @discardableResult
    func run(_ args: [String], env: [String: String] = [:]) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLIHarness.binary)
        p.arguments = args
        p.currentDirectoryURL = dir
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "XGRAPH_STORE")
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let outPipe = Pipe(), errPipe = Pipe()
        p.standardOutput = outPipe
        p.standardError = errPipe
        try p.run()
        // Read both pipes while it runs so a chatty build cannot block on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var outData = Data(), errData = Data()
        group.enter(); DispatchQueue.global().async { outData = outPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        group.enter(); DispatchQueue.global().async { errData = errPipe.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        p.waitUntilExit()
        group.wait()
        return Result(status: p.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                      err: String(decoding: errData, as: UTF8.self))
    }

    /// Starts `xgraph ARGS` without waiting, for cancellation tests.
    func start(_ args: [String], outputTo log: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLIHarness.binary)
        p.arguments = args
        p.currentDirectoryURL = dir
        FileManager.default.createFile(atPath: dir.appendingPathComponent(log).path, contents: nil)
        let h = try FileHandle(forWritingTo: dir.appendingPathComponent(log))
        p.standardOutput = h
        p.standardError = h
        try p.run()
        return p
    }

    func git(_ args: String...) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        p.arguments = ["-c", "user.name=t", "-c", "user.email=t@example.com"] + args
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "git \(args)")
    }
}
