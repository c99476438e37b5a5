import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// Who holds which bytes: every readable record, the tree it produced, and the blobs of each
/// tree with their sizes, counted so that a blob several outputs share is counted once. `gc`
/// decides with it what deleting a record frees; `du` reports with it.
public struct StoreCensus: Sendable {
    public struct BlobRef: Hashable, Sendable {
        public var digest: Digest
        public var executable: Bool
    }
    public var records: [ActionRecord]
    /// Tree → its blobs (unique) and their sizes; trees whose manifest cannot be read are absent.
    public var blobsOfTree: [Digest: [BlobRef: Int64]] = [:]
    /// How many of `records` produced each tree.
    public var treeUsers: [Digest: Int] = [:]
    /// How many manifests name each blob.
    public var blobUsers: [BlobRef: Int] = [:]
    /// Blobs in blobs/ that no manifest names (an ingest killed before its manifest), with sizes.
    public var orphanBlobs: [BlobRef: Int64] = [:]
    /// Manifests in trees/ (every one, used or not).
    public var trees: Set<Digest> = []
    /// Bytes of each part of the store, by top-level folder (blobs counted once: their inodes).
    public var folderBytes: [String: Int64] = [:]

    /// The bytes only this tree holds (its blobs no other tree names).
    public func uniqueBytes(ofTree t: Digest) -> Int64 {
        (blobsOfTree[t] ?? [:]).reduce(0) { $0 + ((blobUsers[$1.key] ?? 0) <= 1 ? $1.value : 0) }
    }

    public func totalBytes(ofTree t: Digest) -> Int64 { (blobsOfTree[t] ?? [:]).values.reduce(0, +) }

    public var totalBytes: Int64 { folderBytes.values.reduce(0, +) }
}

extension Store {
    /// Reads every record and manifest once. Unreadable records are left out (`verify` reports
    /// them). `folders`: also the bytes of every part of the store (a walk of all artifacts; `du`).
    public func census(folders: Bool = true) -> StoreCensus {
        var c = StoreCensus(records: scanRecords().records)
        for r in c.records { c.treeUsers[r.output, default: 0] += 1 }
        for (name, path) in fanned("trees") where name.hasSuffix(".json") {
            guard let tree = Digest(hex: String(name.dropLast(5))) else { continue }
            c.trees.insert(tree)
            guard let data = POSIX.readFile(path), let m = try? TreeManifest.decode(data) else { continue }
            var blobs: [StoreCensus.BlobRef: Int64] = [:]
            for e in m.entries where e.kind == .file {
                guard let d = e.digest else { continue }
                blobs[StoreCensus.BlobRef(digest: d, executable: e.executable ?? false)] = e.size ?? 0
            }
            for b in blobs.keys { c.blobUsers[b, default: 0] += 1 }
            c.blobsOfTree[tree] = blobs
        }
        var blobBytes: Int64 = 0
        for (name, path) in fanned("blobs") {
            let executable = name.hasSuffix(".x")
            guard let d = Digest(hex: executable ? String(name.dropLast(2)) : name) else { continue }
            let size = Self.fileBytes(path)
            blobBytes += size
            let ref = StoreCensus.BlobRef(digest: d, executable: executable)
            if c.blobUsers[ref] == nil { c.orphanBlobs[ref] = size }
        }
        c.folderBytes["blobs"] = blobBytes
        guard folders else { return c }
        // Artifacts are hard links to blobs, except small duplicates kept as own files: count
        // only files with one link (their own bytes), not the blobs' again.
        for folder in ["artifacts", "records", "trees", "history", "logs", "resume", "tmp", "quarantine", "jobs"] {
            c.folderBytes[folder] = Self.treeBytes(root + "/" + folder, onlySingleLinks: folder == "artifacts")
        }
        for file in ["keys.log", "nodes.log", "digest-cache", "results.sqlite"] {
            c.folderBytes[file] = Self.fileBytes(root + "/" + file)
        }
        return c
    }

    /// A file's size (as manifests count it; a sparse file counts its length, not its blocks).
    static func fileBytes(_ path: String) -> Int64 {
        var st = stat()
        guard lstat(path, &st) == 0 else { return 0 }
        return Int64(st.st_size)
    }

    static func treeBytes(_ path: String, onlySingleLinks: Bool) -> Int64 {
        var st = stat()
        guard lstat(path, &st) == 0 else { return 0 }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            var sum: Int64 = 0
            for name in POSIX.list(path) ?? [] { sum += treeBytes(path + "/" + name, onlySingleLinks: onlySingleLinks) }
            return sum
        }
        if onlySingleLinks && st.st_nlink > 1 { return 0 }
        return Int64(st.st_size)
    }
}
