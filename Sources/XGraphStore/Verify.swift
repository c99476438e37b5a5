import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// What `verify` found. `problems` are inconsistencies (each one self-contained message);
/// temporaries left by dead processes are not problems, they are listed apart.
public struct VerifyReport: Sendable, Equatable {
    public var problems: [String] = []
    public var blobs = 0
    public var trees = 0
    public var artifacts = 0
    public var records = 0
    /// tmp/ entries no live process owns (a crash's garbage; the next Store start removes them).
    public var temporaryLeftovers: [String] = []
    /// With `verify(repair: true)`: what was done, one self-contained message each.
    public var repairs: [String] = []
    /// The problems a repair has not dealt with (all of them without a repair).
    public var remaining: [String] = []
    public var isClean: Bool { problems.isEmpty }
}

extension Store {
    /// Re-hashes every blob, checks every manifest against its name and its blobs, every
    /// artifact against its manifest, every record against its key and output tree, and the
    /// key log against the records. Reads everything: as slow as the store is large.
    ///
    /// With `repair`, lost artifacts whose manifest and blobs are intact are restored, record
    /// files that cannot be read are moved to quarantine/ (never deleted),
    /// keys.log is rewritten from the good records when it disagrees with them, and nodes.log
    /// loses the lines of the quarantined keys, so those nodes build again. `problems` still
    /// lists what was found; `repairs` says what was done about it.
    public func verify(repair: Bool = false) throws -> VerifyReport {
        var report = VerifyReport()
        let blobInodes = verifyBlobs(&report)
        verifyTrees(&report)
        verifyArtifacts(&report, blobInodes: blobInodes)
        let records = verifyRecords(&report)
        report.remaining = report.problems
        if repair {
            try repairRecords(records, &report)
            var fixed = Set(records.repairable)
            // A lost artifact comes back from its manifest and intact blobs; otherwise its node
            // runs again at its next build (the record stays, and is replaced then).
            for (record, problem) in records.lostOutputs where restoreArtifact(record.output) {
                report.repairs.append("restored the output of \(record.node) (\(record.output.short)) from its blobs")
                fixed.insert(problem)
            }
            report.remaining = report.problems.filter { !fixed.contains($0) }
        }
        report.temporaryLeftovers = temporaryLeftovers()
        return report
    }

    private func fanned(_ sub: String) -> [(name: String, path: String)] {
        let dir = root + "/" + sub
        var out: [(String, String)] = []
        for fan in (POSIX.list(dir) ?? []).sorted() {
            for name in (POSIX.list(dir + "/" + fan) ?? []).sorted() {
                out.append((name, dir + "/" + fan + "/" + name))
            }
        }
        return out
    }

    /// Returns the inode of each good blob, so artifacts hard-linked to it need no re-hash.
    private func verifyBlobs(_ report: inout VerifyReport) -> [String: UInt64] {
        var inodes: [String: UInt64] = [:]
        for (name, path) in fanned("blobs") {
            report.blobs += 1
            let hex = name.hasSuffix(".x") ? String(name.dropLast(2)) : name
            guard let expected = Digest(hex: hex) else {
                report.problems.append("blob \(path): not named by a digest"); continue
            }
            do {
                let actual = try FileHashing.sha256(path: path)
                if actual != expected {
                    report.problems.append("blob \(path): content hashes to \(actual), not \(expected)")
                    continue
                }
                var st = stat()
                if stat(path, &st) == 0 { inodes[path] = UInt64(st.st_ino) }
            } catch {
                report.problems.append("blob \(path): \(error)")
            }
        }
        return inodes
    }

    private func verifyTrees(_ report: inout VerifyReport) {
        for (name, path) in fanned("trees") {
            report.trees += 1
            guard name.hasSuffix(".json"), let expected = Digest(hex: String(name.dropLast(5))) else {
                report.problems.append("tree manifest \(path): not named by a digest"); continue
            }
            guard let data = POSIX.readFile(path), let m = try? TreeManifest.decode(data) else {
                report.problems.append("tree manifest \(path): unreadable"); continue
            }
            if m.digest != expected {
                report.problems.append("tree manifest \(path): its entries hash to \(m.digest), not \(expected)")
            }
            for e in m.entries where e.kind == .file {
                guard let d = e.digest, POSIX.exists(blobPath(d, executable: e.executable == true)) else {
                    report.problems.append("tree \(expected.short): blob of \(e.path) is missing"); continue
                }
            }
        }
    }

    private func verifyArtifacts(_ report: inout VerifyReport, blobInodes: [String: UInt64]) {
        for name in (POSIX.list(root + "/artifacts") ?? []).sorted() {
            report.artifacts += 1
            let path = root + "/artifacts/" + name
            guard let tree = Digest(hex: name) else {
                report.problems.append("artifact \(path): not named by a digest"); continue
            }
            guard let data = POSIX.readFile(manifestPath(tree)), let m = try? TreeManifest.decode(data) else {
                report.problems.append("artifact \(tree.short): its manifest is missing or unreadable"); continue
            }
            do {
                let items = try TreeScan.scan(path, escapingLinks: .reject)
                let expected = Dictionary(m.entries.map { ($0.path, $0) }, uniquingKeysWith: { a, _ in a })
                var entries: [TreeEntry] = []
                for item in items {
                    switch item.kind {
                    case .directory: entries.append(.directory(item.path))
                    case .link: entries.append(.link(item.path, target: item.target ?? ""))
                    case .file:
                        entries.append(.file(item.path, digest: try artifactFileDigest(item, expected: expected[item.path], blobInodes: blobInodes),
                                             executable: item.executable, size: item.size))
                    }
                }
                let actual = TreeManifest.digest(of: entries)
                if actual != tree {
                    report.problems.append("artifact \(tree.short): its files hash to tree \(actual.short); the folder was changed")
                }
            } catch {
                report.problems.append("artifact \(tree.short): \(error)")
            }
        }
    }

    /// A file in an artifact that is a hard link to a good blob has that blob's digest;
    /// anything else is hashed.
    private func artifactFileDigest(_ item: TreeScan.Item, expected e: TreeEntry?,
                                    blobInodes: [String: UInt64]) throws -> Digest {
        if let e, let d = e.digest {
            var st = stat()
            if stat(item.absolutePath, &st) == 0,
               blobInodes[blobPath(d, executable: e.executable == true)] == UInt64(st.st_ino) {
                return d
            }
        }
        return try FileHashing.sha256(path: item.absolutePath)
    }

    /// What verifyRecords found, for the repair.
    struct RecordCheck {
        var good: [Digest: ActionRecord] = [:]
        var unreadable: [String] = []
        var keyLogIsWrong = false
        /// Good records whose output artifact is gone, with the problem text.
        var lostOutputs: [(record: ActionRecord, problem: String)] = []
        /// The problems `repairRecords` fixes.
        var repairable: [String] = []

        mutating func problem(_ text: String, _ report: inout VerifyReport) {
            report.problems.append(text)
            repairable.append(text)
        }
    }

    private func verifyRecords(_ report: inout VerifyReport) -> RecordCheck {
        var check = RecordCheck()
        for (name, path) in fanned("records") {
            report.records += 1
            guard name.hasSuffix(".json"), let key = Digest(hex: String(name.dropLast(5))) else {
                report.problems.append("record \(path): not named by a key"); continue
            }
            guard let data = POSIX.readFile(path) else {
                check.problem("record \(path): unreadable", &report); check.unreadable.append(path); continue
            }
            switch Self.decodeRecord(data, key: key) {
            case .missing: continue
            case .damaged(let why):
                check.problem("record \(path): unreadable (\(why))", &report)
                check.unreadable.append(path)
            case .good(let r):
                // A record the results index cannot take (two spellings of one metric or param
                // name, written before builds refused them) is set aside by a repair, like an
                // unreadable one: its node builds again and the build names the problem.
                do {
                    _ = try r.metrics.flattenedLeaves(what: "metric")
                    _ = try r.params.flattenedLeaves(what: "param")
                } catch {
                    check.problem("record \(path) (\(r.node)): cannot be indexed: \(error)", &report)
                    check.unreadable.append(path)
                    continue
                }
                check.good[key] = r
                if !hasArtifact(r.output) {
                    let text = "record \(key.short) (\(r.node)): output tree \(r.output.short) is not in the store"
                    report.problems.append(text)
                    check.lostOutputs.append((r, text))
                }
            }
        }
        let log = KeyLog.scan(keyLogPath)
        check.keyLogIsWrong = log.rejected > 0
        for (key, output) in log.outputs.sorted(by: { $0.key < $1.key }) {
            check.keyLogIsWrong = check.keyLogIsWrong || check.good[key]?.output != output
            if let r = check.good[key] {
                if r.output != output { check.problem("keys.log: \(key.short) → \(output.short), but its record says \(r.output.short)", &report) }
            } else {
                check.problem("keys.log: \(key.short) has no readable record", &report)
            }
        }
        return check
    }

    private func repairRecords(_ check: RecordCheck, _ report: inout VerifyReport) throws {
        var dropped = Set<Digest>()
        for path in check.unreadable {
            let dest = try quarantine(path)
            report.repairs.append("moved the record \(path), which could not be read or indexed, to \(dest)")
            if let key = Digest(hex: String(((path as NSString).lastPathComponent).dropLast(5))) { dropped.insert(key) }
        }
        if check.keyLogIsWrong || !dropped.isEmpty {
            try rewriteKeyLog(from: check.good.values.sorted { $0.key < $1.key })
            report.repairs.append("rewrote keys.log from the \(check.good.count) readable records")
        }
        if !dropped.isEmpty, try dropNodeLogLines(of: dropped) > 0 {
            report.repairs.append("removed the quarantined keys from nodes.log: their nodes build again")
        }
    }
}
