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
    public var isClean: Bool { problems.isEmpty }
}

extension Store {
    /// Re-hashes every blob, checks every manifest against its name and its blobs, every
    /// artifact against its manifest, every record against its key and output tree, and the
    /// key log against the records. Reads everything: as slow as the store is large.
    public func verify() throws -> VerifyReport {
        var report = VerifyReport()
        let blobInodes = verifyBlobs(&report)
        verifyTrees(&report)
        verifyArtifacts(&report, blobInodes: blobInodes)
        verifyRecords(&report)
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

    private func verifyRecords(_ report: inout VerifyReport) {
        var recorded: [Digest: Digest] = [:]
        for (name, path) in fanned("records") {
            report.records += 1
            guard name.hasSuffix(".json"), let key = Digest(hex: String(name.dropLast(5))) else {
                report.problems.append("record \(path): not named by a key"); continue
            }
            guard let data = POSIX.readFile(path), let r = try? ActionRecordCoding.decode(data) else {
                report.problems.append("record \(path): unreadable"); continue
            }
            recorded[key] = r.output
            if r.key != key { report.problems.append("record \(path): holds key \(r.key)") }
            if !hasArtifact(r.output) {
                report.problems.append("record \(key.short) (\(r.node)): output tree \(r.output.short) is not in the store")
            }
        }
        for (key, output) in KeyLog.load(keyLogPath).sorted(by: { $0.key < $1.key }) {
            if let r = recorded[key] {
                if r != output { report.problems.append("keys.log: \(key.short) → \(output.short), but its record says \(r.short)") }
            } else {
                report.problems.append("keys.log: \(key.short) has no record")
            }
        }
    }
}
