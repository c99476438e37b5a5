import Foundation
import XGraphCore
import XGraphResults
import XGraphStore

/// Fuzzes what one step's `metrics.json` and params can do to everyone else's results: random
/// nesting, dotted names, names in two Unicode forms, keys written twice, huge and non-finite
/// numbers, deep nesting, random byte damage. Each input goes through the build's own check
/// (`MetricsJSON.parse`, the params' flattening); whatever passes is recorded beside a known good
/// record, and then every query of the index must still answer with the good record's number.
/// A failure is the input that made another node's query fail; a crash leaves the input that
/// caused it in `current.json`.
public struct MetricsFuzz {
    public struct Summary: Sendable {
        public var tried = 0, accepted = 0, refused = 0
        public var failures: [String] = []
        public var line: String {
            "metrics fuzz: \(tried) inputs tried, \(accepted) recorded, \(refused) refused by the build's check, "
                + "\(failures.count) broke another node's query"
        }
    }

    var rng: SplitMix64
    let outDir: String

    public init(seed: UInt64, outDir: String) {
        rng = SplitMix64(seed: seed)
        self.outDir = outDir
    }

    /// Names chosen to collide: dotted and nested spellings of one name, NFC and NFD forms,
    /// escapes of plain letters, names of xgraph's own columns and axes.
    static let names = ["loss", "val.loss", "val", "a.b", "a", "b", "caf\u{00E9}", "cafe\u{0301}", "\\u0061", "\\u0041",
                        "", " ", ".", "..", "epochs", "status", "node", "commit", "duration_s", "x\\ud83d\\ude00",
                        "\\u0000", "\"q\"", "k\\nl"]

    mutating func pick<T>(_ xs: [T]) -> T { xs[Int(rng.next(below: UInt64(xs.count)))] }

    mutating func number() -> String {
        pick(["0", "-0", "1", "-1", "0.5", "1e400", "-1e400", "1e-400", "9223372036854775807", "9223372036854775808",
              "-9223372036854775809", "1.7976931348623157e308", "123456789012345678901234567890", "NaN", "Infinity",
              "-Infinity", "1E2", "0.1e1", "5e-324"])
    }

    mutating func value(depth: Int) -> String {
        switch rng.next(below: depth > 3 ? 4 : 7) {
        case 0, 1: return number()
        case 2: return pick(["null", "true", "false", "\"text\"", "\"\\u00e9\""])
        case 3: return "\"" + pick(Self.names) + "\""
        case 4: return object(depth: depth + 1)
        case 5: return "[" + (0..<Int(rng.next(below: 3))).map { _ in value(depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            // Deep nesting, past the limit now and then.
            let n = Int(rng.next(below: 2) == 0 ? rng.next(below: 40) : 250 + rng.next(below: 20))
            let open = rng.next(below: 2) == 0 ? "[" : "{\"d\":"
            let close = open == "[" ? "]" : "}"
            return String(repeating: open, count: n) + "1" + String(repeating: close, count: n)
        }
    }

    mutating func object(depth: Int) -> String {
        let n = Int(rng.next(below: 5))
        var entries: [String] = []
        for _ in 0..<n {
            let name = pick(Self.names)
            entries.append("\"\(name)\":\(value(depth: depth))")
            // A key written twice now and then.
            if rng.next(below: 6) == 0 { entries.append("\"\(name)\":\(value(depth: depth))") }
        }
        return "{" + entries.joined(separator: ",") + "}"
    }

    /// One input: a generated object, sometimes with a few bytes changed.
    mutating func input() -> [UInt8] {
        var bytes = [UInt8](object(depth: 0).utf8)
        if rng.next(below: 4) == 0, !bytes.isEmpty {
            for _ in 0..<Int(1 + rng.next(below: 3)) {
                let i = Int(rng.next(below: UInt64(bytes.count)))
                bytes[i] = pick([0x22, 0x2E, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x5C, 0x00, 0xC3, 0xFF, 0x65])
            }
        }
        return bytes
    }

    static func record(node: String, key: Digest, params: JSONValue, metrics: JSONValue) -> ActionRecord {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return ActionRecord(
            node: node, step: "s", axes: [AxisEntry(name: "epochs", value: "10")], params: params, metrics: metrics,
            key: key, keyParts: [], inputs: [:], output: Digest.of(node), outputs: [:],
            provenance: Provenance(gitCommit: nil, gitBranch: nil, gitDirty: nil, gitDiffDigest: nil, xgraphVersion: "fuzz",
                                   host: "fuzz", executor: "local", gpuModel: nil, gpuIDs: [], start: now, end: now,
                                   exitStatus: 0, attempt: 1))
    }

    /// Runs `count` inputs (or for `seconds`, whichever ends first), each in a fresh index
    /// beside the good record.
    public mutating func run(count: Int, seconds: Double = .infinity,
                             warn: @escaping @Sendable (String) -> Void = { _ in }) throws -> Summary {
        let deadline = Date().addingTimeInterval(seconds)
        var summary = Summary()
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let current = outDir + "/current.json"
        let good = Self.record(node: "good", key: Digest.of("good"), params: .object(["lr": .double(0.1)]),
                               metrics: .object(["loss": .int(1)]))
        // `--inputs` defaults to Int.max: the deadline must end the loop, not filter it.
        for i in 0..<count {
            if Date() >= deadline { break }
            let bytes = input()
            _ = FileManager.default.createFile(atPath: current, contents: Data(bytes))
            summary.tried += 1
            guard let metrics = try? MetricsJSON.parse(Data(bytes)) else { summary.refused += 1; continue }
            // The same text as params: what the loader's flattening check lets through.
            var params = JSONValue.object([:])
            if let p = try? JSONValue.parse(Data(bytes)), (try? p.flattenedLeaves(what: "param")) != nil { params = p }
            summary.accepted += 1
            let path = outDir + "/index-\(i % 2).sqlite"
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            do {
                let index = try ResultsIndex(path: path, warn: warn)
                let other = Self.record(node: "other", key: Digest.of("other \(i)"), params: params, metrics: metrics)
                _ = try index.add([other, good])
                let all = try index.table(ResultsQuery())
                let answer = try index.sql("SELECT value FROM metrics WHERE key = '\(good.key.hex)' AND name = 'loss'")
                guard answer.rows.first?.first?.doubleValue == 1, all.rows.count == 2 else {
                    throw XGraphError.build("the good record's loss is \(answer.rows) and the table has \(all.rows.count) rows")
                }
            } catch {
                let saved = outDir + "/failure-\(summary.failures.count).json"
                _ = FileManager.default.createFile(atPath: saved, contents: Data(bytes))
                summary.failures.append("\(saved): \(error)")
            }
        }
        try? FileManager.default.removeItem(atPath: current)
        return summary
    }
}
