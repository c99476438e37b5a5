import Foundation
import XCTest
import XGraphCore
import XGraphResults
import XGraphStore

/// A fresh temporary folder, removed when the test ends.
func makeTempDir(_ test: XCTestCase) throws -> String {
    let dir = FileManager.default.temporaryDirectory
        .appendingPathComponent("xgraph-results-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
    return dir
}

/// Runs a command line tool (tests only: git to build fixture repositories, sqlite3 to tamper
/// with an index) and returns its trimmed standard output.
@discardableResult
func runTool(_ tool: String, _ args: [String], in dir: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + args
    process.currentDirectoryURL = URL(fileURLWithPath: dir)
    var env = ProcessInfo.processInfo.environment
    env["GIT_AUTHOR_NAME"] = "Test"; env["GIT_AUTHOR_EMAIL"] = "test@example.com"
    env["GIT_COMMITTER_NAME"] = "Test"; env["GIT_COMMITTER_EMAIL"] = "test@example.com"
    env["GIT_CONFIG_NOSYSTEM"] = "1"; env["HOME"] = dir
    process.environment = env
    let out = Pipe()
    process.standardOutput = out
    process.standardError = Pipe()
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw XGraphError.io("\(tool) \(args.joined(separator: " ")) exited \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

let commitA = String(repeating: "a", count: 40)
let commitB = "b1" + String(repeating: "0", count: 38)
let commitB2 = "b2" + String(repeating: "0", count: 38)

/// An action record as the builder would write it; `end` is seconds after a fixed epoch.
func makeRecord(step: String = "pretrain", axes: [(String, String)], metrics: JSONValue = .object([:]),
                params: JSONValue = .object([:]), commit: String? = commitA, dirty: Bool = false,
                start: TimeInterval = 0, end: TimeInterval = 10) -> ActionRecord {
    let node = ([step] + axes.map { "\($0.0)=\($0.1)" }).joined(separator: "/")
    let base = Date(timeIntervalSince1970: 1_800_000_000)
    let key = Digest.of("\(node)|\(commit ?? "-")|\(end)|\(metrics.canonical)")
    return ActionRecord(
        node: node, step: step, axes: axes.map { AxisEntry(name: $0.0, value: $0.1) },
        params: params, metrics: metrics, key: key, keyParts: [], inputs: [:],
        output: Digest.of("output of \(key.hex)"), outputs: [:],
        provenance: Provenance(gitCommit: commit, gitBranch: "main", gitDirty: commit == nil ? nil : dirty,
                               gitDiffDigest: dirty ? Digest.of("diff") : nil, xgraphVersion: "0.1.0",
                               host: "vm", executor: "local", gpuModel: nil, gpuIDs: [0, 1],
                               start: base.addingTimeInterval(start), end: base.addingTimeInterval(end),
                               exitStatus: 0, attempt: 1))
}

func makeIndex(_ test: XCTestCase, _ records: [ActionRecord]) throws -> ResultsIndexFixture {
    let dir = try makeTempDir(test)
    let index = try ResultsIndex(path: dir + "/index/results.sqlite")
    try index.sync(with: records)
    return ResultsIndexFixture(dir: dir, index: index)
}

struct ResultsIndexFixture {
    var dir: String
    var index: ResultsIndex
}

// Literals keep the test records readable.
extension JSONValue: ExpressibleByDictionaryLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { a, _ in a }))
    }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
}
