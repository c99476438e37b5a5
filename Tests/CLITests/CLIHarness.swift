import Foundation
import XCTest

/// Runs the built `xgraph` binary in a temporary project folder, as a user would.
///
/// Users are not root, but CI and developers' shells often are, and root skips every permission
/// check. So when the tests run as root, the harness runs `xgraph` (and git) as the ordinary user
/// `TestUser.current` on a folder that user owns; `XGRAPH_TEST_AS_ROOT=1` runs them as root
/// instead (`make test` runs the CLI tests both ways).
struct CLIHarness {
    let dir: URL
    let user: TestUser?

    /// - Parameter asRoot: run as the tests' own user even when that is root (for tests of
    ///   what root can do that users cannot).
    init(asRoot: Bool = false) throws {
        user = asRoot ? nil : TestUser.current
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("xgraph-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try user?.own(dir.path)
    }

    /// The binary next to the test bundle (SwiftPM builds it because CLITests depends on it),
    /// or its copy that an ordinary user can run.
    var binary: String { user?.binary ?? CLIHarness.builtBinary }

    /// `XGRAPH_TEST_BINARY` runs the tests against another build (e.g. an older commit's, to see
    /// a new test fail there first).
    static var builtBinary: String {
        if let other = ProcessInfo.processInfo.environment["XGRAPH_TEST_BINARY"], !other.isEmpty { return other }
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
        try user?.own(dir.path, below: path)
    }

    /// The process that runs `executable ARGS` as the harness's user.
    private func process(_ executable: String, _ args: [String]) -> Process {
        let p = Process()
        if let user {
            p.executableURL = URL(fileURLWithPath: TestUser.setpriv)
            p.arguments = user.setprivArguments + [executable] + args
        } else {
            p.executableURL = URL(fileURLWithPath: executable)
            p.arguments = args
        }
        p.currentDirectoryURL = dir
        return p
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
    func run(_ args: [String], env: [String: String] = [:], cwd: String? = nil) throws -> Result {
        let p = process(binary, args)
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "XGRAPH_STORE")
        if user != nil { environment["HOME"] = dir.path }
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        return try CLIHarness.capture(p)
    }

    /// Runs `executable ARGS` (a Slurm client, say) in the project folder as the harness's user,
    /// with `env` added to the environment, and waits for it.
    @discardableResult
    func run(executable: String, _ args: [String], env: [String: String] = [:]) throws -> Result {
        let p = process(executable, args)
        var environment = ProcessInfo.processInfo.environment
        if user != nil { environment["HOME"] = dir.path }
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        return try CLIHarness.capture(p)
    }

    /// Starts `p` and waits for it, collecting its output.
    static func capture(_ p: Process) throws -> Result {
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

    /// Starts `xgraph ARGS` without waiting, for cancellation tests, with `env` added to the
    /// environment.
    func start(_ args: [String], outputTo log: String, env: [String: String] = [:]) throws -> Process {
        let p = process(binary, args)
        var environment = ProcessInfo.processInfo.environment
        if user != nil { environment["HOME"] = dir.path }
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        FileManager.default.createFile(atPath: dir.appendingPathComponent(log).path, contents: nil)
        let h = try FileHandle(forWritingTo: dir.appendingPathComponent(log))
        p.standardOutput = h
        p.standardError = h
        try p.run()
        return p
    }

    func git(_ args: String...) throws {
        let p = process("/usr/bin/git", ["-c", "user.name=t", "-c", "user.email=t@example.com"] + args)
        if user != nil { p.environment = ProcessInfo.processInfo.environment.merging(["HOME": dir.path]) { $1 } }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "git \(args)")
    }
}
