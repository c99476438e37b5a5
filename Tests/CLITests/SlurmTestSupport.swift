import Foundation
import XCTest

/// One private Slurm cluster for a test class: started before its first test, stopped after its
/// last (also when tests fail), and every job removed between tests. Tests that need it skip
/// with the reason where Slurm cannot be started (not root, Slurm not installed); `make test`
/// installs it, so CI runs them.
class SlurmTestCase: XCTestCase {
    nonisolated(unsafe) static var cluster: SlurmCluster?
    nonisolated(unsafe) static var startError: Error?

    /// The cluster's `MaxArraySize`; nil: Slurm's default.
    class var maxArraySize: Int? { nil }

    override class func setUp() {
        super.setUp()
        do {
            let c = try SlurmCluster.start(maxArraySize: maxArraySize)
            cluster = c
            // Inherited by every xgraph the harness starts, and by the jobs it submits.
            for (k, v) in c.environment { setenv(k, v, 1) }
        } catch {
            startError = error
        }
    }

    override class func tearDown() {
        cluster?.stop()
        cluster = nil
        unsetenv("SLURM_CONF")
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let e = Self.startError { throw e }
    }

    override func tearDownWithError() throws {
        // A test that failed half-way must not leave jobs that hold the next test's slots.
        if let c = Self.cluster, let ids = try? c.client("squeue", ["--noheader", "--format=%i"]) {
            let jobs = ids.split(separator: "\n").map(String.init)
            if !jobs.isEmpty { _ = try? c.client("scancel", jobs) }
        }
    }

    var cluster: SlurmCluster {
        get throws {
            guard let c = Self.cluster else { throw XCTSkip("no Slurm cluster") }
            return c
        }
    }

    /// Job ids and names squeue lists now, a task of an array (`A_i`) a line.
    func queue() throws -> [(id: String, name: String, state: String)] {
        try cluster.client("squeue", ["--array", "--noheader", "--format=%i|%j|%T"]).split(separator: "\n").compactMap { line in
            let f = line.split(separator: "|").map(String.init)
            return f.count == 3 ? (f[0], f[1], f[2]) : nil
        }
    }

    /// Waits until `condition` holds, polling; fails the test after `timeout` seconds.
    func wait(_ what: String, timeout: Double = 60, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTFail("timed out waiting for \(what)")
        throw XCTSkip("timed out waiting for \(what)")
    }

    /// Job ids from build output lines `queued NODE (Slurm job ID)`, by node.
    static func queuedJobs(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            guard let q = line.range(of: "queued "), let j = line.range(of: " (Slurm job ") else { continue }
            let node = String(line[q.upperBound..<j.lowerBound])
            out[node] = String(line[j.upperBound...].prefix { $0.isNumber || $0 == "_" })
        }
        return out
    }
}

extension CLIHarness {
    /// The action records in `store` (a folder of the project), as JSON objects.
    func records(_ store: String) throws -> [[String: Any]] {
        let root = dir.appendingPathComponent(store + "/records")
        var out: [[String: Any]] = []
        for sub in (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? [] {
            for f in try FileManager.default.contentsOfDirectory(atPath: root.path + "/" + sub) where f.hasSuffix(".json") {
                let data = try Data(contentsOf: root.appendingPathComponent(sub + "/" + f))
                if let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] { out.append(o) }
            }
        }
        return out
    }

    /// Record file names (the keys) under `store`.
    func keys(_ store: String) throws -> Set<String> {
        Set(try records(store).compactMap { $0["key"] as? String })
    }

    func listing(_ path: String) -> Set<String> {
        let root = dir.appendingPathComponent(path).path
        var out = Set<String>()
        for sub in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] {
            for f in (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + sub)) ?? [] { out.insert(sub + "/" + f) }
        }
        return out
    }
}
