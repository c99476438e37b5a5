import Foundation
import XCTest
import XGraphBuild
import XGraphCore
import XGraphExecutors
import XGraphResults
import XGraphStore

/// The property a cache must have: after any sequence of edits and builds, what the store hands
/// back for each node equals what a from-scratch build in a fresh store makes. Random small
/// graphs, random edits (params, code, forced re-runs, deleted artifacts), a fixed seed per run so
/// that a failure can be replayed.
final class FreshStoreEquivalenceTests: XCTestCase {
    /// A deterministic step: its output hashes its params, its code file (named in `CODE`) and
    /// every input file, so the output changes exactly when something its key covers does.
    static let deterministic: @Sendable (Job, Int) throws -> Int32 = { job, _ in
        var h = Hasher256()
        h.update(try Data(contentsOf: URL(fileURLWithPath: job.environment["XGRAPH_PARAMS"] ?? "")))
        if let code = job.environment["CODE"] { h.update(try Data(contentsOf: URL(fileURLWithPath: code))) }
        for (name, path) in job.environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("XGRAPH_IN_") {
            for file in try FileManager.default.contentsOfDirectory(atPath: path).sorted() {
                h.update(file)
                h.update(try Data(contentsOf: URL(fileURLWithPath: path + "/" + file)))
            }
        }
        let digest = h.finalize().hex
        let out = job.environment["XGRAPH_OUT"] ?? ""
        // Two files: only `v` depends on the inputs, so equal params+code+inputs give equal trees.
        try Data(digest.utf8).write(to: URL(fileURLWithPath: out + "/v"))
        try Data("{\"score\": \(digest.prefix(6).utf8.reduce(0) { $0 + Int($1) })}".utf8)
            .write(to: URL(fileURLWithPath: out + "/metrics.json"))
        return 0
    }

    struct Study {
        var steps: Int
        var params: [Int]
        var parents: [Int?]
        var codeVersion: [Int]

        func yaml(dir: String) -> String {
            var s = "steps:\n"
            for i in 0..<steps {
                s += "  s\(i):\n"
                s += "    foreach: { i: [1, 2] }\n"
                s += "    params: { p: \(params[i]) }\n"
                s += "    code: [code\(i).txt]\n"
                s += "    env: { CODE: \(dir)/code\(i).txt }\n"
                if let p = parents[i] { s += "    inputs: { up: s\(p) }\n" }
                s += "    command: step {{ out }}\n"
            }
            return s
        }
    }

    func testRandomEditsLeaveTheStoreEqualToAFreshBuild() async throws {
        var rng = SplitMix64(seed: 20261202)
        for round in 0..<3 {
            let h = try BuilderHarness()
            let n = 3 + Int(rng.next(below: 3))
            var study = Study(steps: n, params: (0..<n).map { _ in Int(rng.next(below: 3)) },
                              parents: (0..<n).map { i in i == 0 ? nil : (rng.next() % 4 == 0 ? nil : Int(rng.next(below: UInt64(i)))) },
                              codeVersion: Array(repeating: 0, count: n))
            func writeAll() throws {
                try h.write("exp.yaml", study.yaml(dir: h.dir))
                for i in 0..<n { try h.write("code\(i).txt", "v\(study.codeVersion[i])\n") }
            }
            try writeAll()
            _ = try await h.build(FakeExecutor(behaviour: Self.deterministic))
            for edit in 0..<6 {
                var force: [String] = []
                let step = Int(rng.next(below: UInt64(n)))
                var what = ""
                switch rng.next() % 4 {
                case 0: study.params[step] = (study.params[step] + 1) % 3; what = "param of s\(step)"
                case 1: study.codeVersion[step] += 1; what = "code of s\(step)"
                case 2: force = ["s\(step)/*"]; what = "force s\(step)"
                default:
                    let arts = h.dir + "/cache/artifacts"
                    let names = (try? FileManager.default.contentsOfDirectory(atPath: arts).sorted()) ?? []
                    if !names.isEmpty {
                        let victim = arts + "/" + names[Int(rng.next(below: UInt64(names.count)))]
                        try removeTree(victim)
                    }
                    what = "delete an artifact"
                }
                try writeAll()
                let s = try await h.build(FakeExecutor(behaviour: Self.deterministic),
                                          options: BuildOptions(jobs: 4, force: force))
                XCTAssertTrue(s.succeeded, "round \(round) edit \(edit) (\(what)): \(s.failed)")
                let fresh = "fresh-\(round)-\(edit)"
                let f = try await h.build(FakeExecutor(behaviour: Self.deterministic), store: fresh)
                XCTAssertTrue(f.succeeded)
                let kept = try outputs(h, store: "cache"), scratch = try outputs(h, store: fresh)
                XCTAssertEqual(kept, scratch, "round \(round) edit \(edit) (\(what)): the store disagrees with a fresh build")
                XCTAssertFalse(kept.values.contains(nil), "round \(round) edit \(edit) (\(what)): a node is not cached after its build")
            }
        }
    }

    /// Damage between builds (a blob edited in place, truncated, deleted or replaced by a folder,
    /// an artifact file edited, a record deleted or made unindexable): after `verify --repair`
    /// and one build, the store hands back what a fresh build makes, `verify` is clean, and the
    /// results index answers with the fresh store's numbers.
    func testRandomDamageHealsAfterRepairAndOneBuild() async throws {
        var rng = SplitMix64(seed: 20261207)
        for round in 0..<3 {
            let h = try BuilderHarness()
            let n = 3 + Int(rng.next(below: 2))
            let study = Study(steps: n, params: (0..<n).map { _ in Int(rng.next(below: 3)) },
                              parents: (0..<n).map { i in i == 0 ? nil : Int(rng.next(below: UInt64(i))) },
                              codeVersion: Array(repeating: 0, count: n))
            try h.write("exp.yaml", study.yaml(dir: h.dir))
            for i in 0..<n { try h.write("code\(i).txt", "v0\n") }
            _ = try await h.build(FakeExecutor(behaviour: Self.deterministic))
            let fresh = "fresh-\(round)"
            _ = try await h.build(FakeExecutor(behaviour: Self.deterministic), store: fresh)
            for edit in 0..<5 {
                let what = try damage(h.dir + "/cache", &rng)
                let store = try Store(root: h.dir + "/cache")
                _ = try store.verify(repair: true)
                let s = try await h.build(FakeExecutor(behaviour: Self.deterministic), options: BuildOptions(jobs: 4))
                XCTAssertTrue(s.succeeded, "round \(round) damage \(edit) (\(what)): \(s.failed)")
                XCTAssertEqual(try outputs(h, store: "cache"), try outputs(h, store: fresh),
                               "round \(round) damage \(edit) (\(what)): the store disagrees with a fresh build")
                let report = try Store(root: h.dir + "/cache").verify()
                XCTAssertEqual(report.problems, [], "round \(round) damage \(edit) (\(what))")
                XCTAssertEqual(try scores(h.dir + "/cache"), try scores(h.dir + "/" + fresh),
                               "round \(round) damage \(edit) (\(what)): results differ from a fresh store's")
            }
        }
    }

    /// One random damage to the store; returns what it did.
    private func damage(_ root: String, _ rng: inout SplitMix64) throws -> String {
        let fm = FileManager.default
        func files(_ sub: String) -> [String] {
            let dir = root + "/" + sub
            return (fm.enumerator(atPath: dir)?.compactMap { $0 as? String } ?? []).sorted()
                .map { dir + "/" + $0 }.filter { var d: ObjCBool = false; return fm.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue }
        }
        func pick(_ xs: [String]) -> String? { xs.isEmpty ? nil : xs[Int(rng.next(below: UInt64(xs.count)))] }
        func writable(_ path: String) { chmod((path as NSString).deletingLastPathComponent, 0o755); chmod(path, 0o644) }
        switch rng.next(below: 6) {
        case 0:
            guard let f = pick(files("artifacts")) else { return "nothing" }
            writable(f)
            try Data("poisoned".utf8).write(to: URL(fileURLWithPath: f))   // a new file: rename over
            return "replace an artifact file \(f)"
        case 1:
            guard let b = pick(files("blobs")) else { return "nothing" }
            writable(b)
            let handle = try XCTUnwrap(FileHandle(forWritingAtPath: b))
            try handle.truncate(atOffset: 0); try handle.write(contentsOf: Data("poisoned".utf8)); try handle.close()
            return "edit a blob in place \(b)"
        case 2:
            guard let b = pick(files("blobs")) else { return "nothing" }
            writable(b)
            truncate(b, 3)
            return "truncate a blob \(b)"
        case 3:
            guard let b = pick(files("blobs")) else { return "nothing" }
            chmod((b as NSString).deletingLastPathComponent, 0o755)
            unlink(b)
            if rng.next(below: 2) == 0 { try fm.createDirectory(atPath: b, withIntermediateDirectories: false); return "blob replaced by a folder \(b)" }
            return "delete a blob \(b)"
        case 4:
            guard let r = pick(files("records").filter { $0.hasSuffix(".json") }) else { return "nothing" }
            chmod((r as NSString).deletingLastPathComponent, 0o755)
            unlink(r)
            return "delete a record \(r)"
        default:
            guard let r = pick(files("records").filter { $0.hasSuffix(".json") }) else { return "nothing" }
            writable(r)
            let text = try String(contentsOfFile: r, encoding: .utf8)
            let poisoned = text.replacingOccurrences(of: "\"metrics\":{", with: "\"metrics\":{\"val\":{\"loss\":1},\"val.loss\":2,")
            try poisoned.write(toFile: r, atomically: false, encoding: .utf8)
            return "duplicate metric names in a record \(r)"
        }
    }

    /// Each node's `score` as the results index of the store shows it.
    private func scores(_ root: String) throws -> [String: Double] {
        let store = try Store(root: root)
        let index = try ResultsIndex(path: root + "/results.sqlite")
        try index.sync(with: store, warn: { _ in })
        let t = try index.sql("SELECT r.node, m.value FROM runs r JOIN metrics m ON m.key = r.key AND m.name = 'score'")
        var out: [String: Double] = [:]
        for row in t.rows { if let n = row[0].stringValue, let v = row[1].doubleValue { out[n] = v } }
        return out
    }

    /// Each node's output digest as a plan of the built study sees it (nil if not cached).
    private func outputs(_ h: BuilderHarness, store: String) throws -> [String: Digest?] {
        let b = try h.builder(FakeExecutor(), store: store)
        let plan = try b.plan(selection: Array(b.graph.nodes.indices))
        var out: [String: Digest?] = [:]
        for e in plan.entries { out[e.node] = e.status == .cached ? e.output : nil }
        return out
    }

    private func removeTree(_ path: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "chmod -R u+w \"$0\" && rm -rf \"$0\"", path]
        try p.run(); p.waitUntilExit()
    }
}
