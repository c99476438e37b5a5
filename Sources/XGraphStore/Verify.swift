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
    /// With `repair`, damaged blobs are removed with every artifact that shares them, changed
    /// artifacts are removed, a blob missing under an intact artifact is linked back from it,
    /// record files that cannot be read or indexed are moved to quarantine/ (never deleted),
    /// keys.log is rewritten from the good records when it disagrees with them, and nodes.log
    /// loses the lines of the quarantined keys, so those nodes build again. Every record whose
    /// artifact is gone then gets it back from its manifest and intact blobs, or is marked lost
    /// (its node runs again at the next build; DamageRepair.swift). `problems` still lists what
    /// was found; `repairs` says what was done about it.
    public func verify(repair: Bool = false) throws -> VerifyReport {
        var report = VerifyReport()
        var damage = StoreDamage()
        let blobInodes = verifyBlobs(&report, &damage)
        verifyTrees(&report, &damage)
        verifyArtifacts(&report, &damage, blobInodes: blobInodes)
        let records = verifyRecords(&report)
        report.remaining = report.problems
        if repair {
            var fixed = Set(damage.problems)
            repairContent(damage, &report)
            for m in damage.missingBlobs where POSIX.exists(m.blob) { fixed.insert(m.problem) }
            try repairRecords(records, &report)
            fixed.formUnion(records.repairable)
            // A lost artifact comes back from its manifest and intact blobs; otherwise the
            // record is marked lost and its node runs again at its next build.
            for (record, problem) in records.lostOutputs {
                if restoreArtifact(record.output) {
                    report.repairs.append("restored the output of \(record.node) (\(record.output.short)) from its blobs")
                } else {
                    markLost(record.key, why: "its output was missing and could not be restored from its blobs")
                    report.repairs.append("marked the output of \(record.node) (\(record.output.short)) lost: it runs again at the next build")
                }
                fixed.insert(problem)
            }
            report.remaining = report.problems.filter { !fixed.contains($0) }
        }
        report.temporaryLeftovers = temporaryLeftovers() + report.temporaryLeftovers
        return report
    }

    /// Damaged content found by a verify, for its repair: each kind with the problem texts it
    /// explains.
    struct StoreDamage {
        var blobs: [String] = []
        var artifacts: [Digest] = []
        var problems: [String] = []
        /// Blobs missing under an artifact that is there, with their problem text: fixed only
        /// where the repair gives the blob back.
        var missingBlobs: [(blob: String, problem: String)] = []

        mutating func note(_ text: String, _ report: inout VerifyReport) {
            report.problems.append(text)
            problems.append(text)
        }
    }

    private func repairContent(_ damage: StoreDamage, _ report: inout VerifyReport) {
        var removed = Set<Digest>()
        for path in damage.blobs {
            let gone = removeDamagedBlob(path)
            removed.formUnion(gone)
            report.repairs.append("removed the damaged blob \(path)" + (gone.isEmpty ? "" : " and the \(gone.count) artifact(s) sharing it"))
        }
        for tree in damage.artifacts where !removed.contains(tree) {
            removeArtifact(tree)
            removed.insert(tree)
            report.repairs.append("removed the changed artifact \(tree.short)")
        }
        // Blobs missing under an artifact that is still there (deleted, or removed above when
        // something else stood in their place) come back from the artifact's file, hashed first.
        for name in POSIX.list(content.artifactsDir) ?? [] {
            guard let tree = Digest(hex: name), let m = try? manifest(tree) else { continue }
            for e in m.entries where e.kind == .file {
                guard let d = e.digest else { continue }
                let blob = blobPath(d, executable: e.executable == true), file = artifactPath(tree) + "/" + e.path
                var st = stat()
                guard lstat(blob, &st) != 0, (try? FileHashing.sha256(path: file)) == d else { continue }
                try? POSIX.makeDirectories((blob as NSString).deletingLastPathComponent)
                if link(file, blob) == 0 { report.repairs.append("linked the missing blob \(blob) back from its artifact") }
            }
        }
        let healed = healRemoved(removed, why: "verify --repair removed it as damaged")
        for tree in healed.restored { report.repairs.append("restored the artifact \(tree.short) from its intact blobs") }
        for key in healed.lost { report.repairs.append("marked the output of record \(key.short) lost: its node runs again at the next build") }
    }

    /// `(name, path)` of each file in `sub/<aa>/`, sorted.
    func fanned(_ sub: String) -> [(name: String, path: String)] {
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
    private func verifyBlobs(_ report: inout VerifyReport, _ damage: inout StoreDamage) -> [String: UInt64] {
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
                    damage.note("blob \(path): content hashes to \(actual), not \(expected)", &report)
                    damage.blobs.append(path)
                    continue
                }
                var st = stat()
                if stat(path, &st) == 0 { inodes[path] = UInt64(st.st_ino) }
            } catch {
                // Not a readable regular file (a folder in its place, no permission).
                damage.note("blob \(path): \(error)", &report)
                damage.blobs.append(path)
            }
        }
        return inodes
    }

    private func verifyTrees(_ report: inout VerifyReport, _ damage: inout StoreDamage) {
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
            // A manifest whose artifact is gone is only a recipe: a missing blob there means it
            // cannot be restored (its records are marked lost when that matters). Under an
            // artifact that is there, the artifact's file can give the blob back.
            guard hasArtifact(expected) else { continue }
            for e in m.entries where e.kind == .file {
                guard let d = e.digest else { report.problems.append("tree \(expected.short): \(e.path) has no digest"); continue }
                let blob = blobPath(d, executable: e.executable == true)
                var st = stat()
                if lstat(blob, &st) != 0 {
                    // Fixed only if the repair links it back (it counts once the blob is there).
                    let text = "tree \(expected.short): blob of \(e.path) is missing"
                    report.problems.append(text)
                    damage.missingBlobs.append((blob, text))
                }
            }
        }
    }

    private func verifyArtifacts(_ report: inout VerifyReport, _ damage: inout StoreDamage, blobInodes: [String: UInt64]) {
        for name in (POSIX.list(content.artifactsDir) ?? []).sorted() {
            // Another member's removed artifact, for its owner's gc to free (GroupStore.swift).
            if Self.isTrash(name) { report.temporaryLeftovers.append("artifacts/" + name); continue }
            report.artifacts += 1
            let path = content.artifactPath(named: name)
            guard let tree = Digest(hex: name) else {
                report.problems.append("artifact \(path): not named by a digest"); continue
            }
            guard let data = POSIX.readFile(manifestPath(tree)), let m = try? TreeManifest.decode(data) else {
                report.problems.append("artifact \(tree.short): its manifest is missing or unreadable"); continue
            }
            do {
                let actual = try artifactTreeDigest(path, manifest: m, blobInodes: blobInodes)
                if actual != tree {
                    damage.note("artifact \(tree.short): its files hash to tree \(actual.short); the folder was changed", &report)
                    damage.artifacts.append(tree)
                }
            } catch {
                damage.note("artifact \(tree.short): \(error)", &report)
                damage.artifacts.append(tree)
            }
        }
    }

    /// The tree digest of the files in an artifact folder as they are now. `blobInodes` maps
    /// each good blob's path to its inode; with `blobsVerified`, every blob `manifest` names was
    /// just proven intact and is looked up here.
    func artifactTreeDigest(_ path: String, manifest m: TreeManifest, blobInodes known: [String: UInt64] = [:],
                            blobsVerified: Bool = false) throws -> Digest {
        var blobInodes = known
        if blobsVerified {
            for e in m.entries where e.kind == .file {
                guard let d = e.digest else { continue }
                let blob = blobPath(d, executable: e.executable == true)
                var st = stat()
                if stat(blob, &st) == 0 { blobInodes[blob] = UInt64(st.st_ino) }
            }
        }
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
        return TreeManifest.digest(of: entries)
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
            // KEY.lost beside a record marks its output removed as damaged (DamageRepair.swift).
            if name.hasSuffix(".lost") { continue }
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
                if !hasArtifact(r.output), !outputWasRemovedAsDamaged(forKey: key) {
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
