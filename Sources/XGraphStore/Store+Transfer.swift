import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// What a remote cache (module XGraphRemote, docs/remote.md) reads out of a store and puts into
/// one. Bytes from elsewhere are never trusted by name: a blob is hashed before it gets its name,
/// a manifest must hash to the tree it claims, its paths and links must stay inside the artifact,
/// and a record is written only once its artifact is in place, with the same publication order as
/// a local build (blobs → manifest → artifact → record), so a transfer cut off at any moment
/// leaves verified blobs that nothing references yet, never a half-made artifact or record.
extension Store {
    /// A fresh path in tmp/ that belongs to this Store's lease on temporaries (so a crash leaves
    /// garbage the next start removes, never a file another process might still be writing).
    public func temporaryPath(_ kind: String) -> String { tmpDir + "/" + tempName(kind) }

    /// The file holding a blob's bytes, either variant (plain or executable), if present.
    public func blobFile(_ digest: Digest) -> String? {
        for executable in [false, true] {
            let path = blobPath(digest, executable: executable)
            if POSIX.exists(path) { return path }
        }
        return nil
    }

    /// The manifest file's bytes, exactly as stored (its digest is the tree's name only through
    /// the entries it holds, so readers re-check it).
    public func manifestData(_ tree: Digest) -> Data? { POSIX.readFile(manifestPath(tree)) }

    /// Puts a downloaded file into blobs/ as `digest`, after hashing it: a file whose bytes are
    /// not `digest` is removed and refused. A blob already there and intact is kept (the file is
    /// then removed). `file` must be in this store's tmp/ (same file system: one rename).
    /// `hashed`: the SHA-256 of the file's bytes, computed by this process as they were written
    /// (a download hashed on the way), which spares a second read of a large file.
    public func importBlob(from file: String, digest: Digest, executable: Bool, hashed: Digest? = nil) throws {
        var installed = false
        defer { if !installed { unlink(file) } }
        let actual = try hashed ?? FileHashing.sha256(path: file)
        guard actual == digest else {
            throw XGraphError.store("refused a downloaded blob: its bytes hash to \(actual.short), not \(digest.short) as named")
        }
        let dest = blobPath(digest, executable: executable)
        if POSIX.exists(dest) {
            if blobIsIntact(dest, digest) { return }
            // A damaged local blob and everything sharing it goes; the verified bytes replace it.
            healRemoved(Set(removeDamagedBlob(dest)), why: "it shared a damaged blob")
        }
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIX.ioError("open", file) }
        let synced = fsync(fd) == 0
        close(fd)
        guard synced else { throw POSIX.ioError("fsync", file) }
        guard chmod(file, executable ? 0o555 : 0o444) == 0 else { throw POSIX.ioError("make read-only", file) }
        try POSIX.makeDirectories((dest as NSString).deletingLastPathComponent)
        // Two importers of one blob rename identical, verified bytes over each other: harmless.
        guard rename(file, dest) == 0 else { throw POSIX.ioError("move into the store", dest) }
        installed = true
    }

    /// Checks a manifest that came from elsewhere: it decodes, it hashes to `tree`, and every
    /// path is a plain relative path (no `/` at either end, no empty, `.` or `..` component, no
    /// NUL). Link containment is checked on the built folder (`importArtifact`).
    public static func checkForeignManifest(_ data: Data, tree: Digest) throws -> TreeManifest {
        let manifest: TreeManifest
        do { manifest = try TreeManifest.decode(data) } catch {
            throw XGraphError.store("tree manifest \(tree.short) cannot be read: \(error)")
        }
        guard manifest.digest == tree else {
            throw XGraphError.store("tree manifest \(tree.short) hashes to \(manifest.digest.short): refused")
        }
        var seen = Set<String>()
        for e in manifest.entries {
            let parts = e.path.split(separator: "/", omittingEmptySubsequences: false)
            guard !e.path.isEmpty, !e.path.contains("\0"), !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }),
                  seen.insert(e.path).inserted else {
                throw XGraphError.store("tree manifest \(tree.short) has an unsafe or repeated path '\(e.path)': refused")
            }
            if parts.count > 1 {
                let parent = parts.dropLast().joined(separator: "/")
                guard seen.contains(parent) else {
                    throw XGraphError.store("tree manifest \(tree.short) lists '\(e.path)' before its folder: refused")
                }
            }
            switch e.kind {
            case .file: guard e.digest != nil else { throw XGraphError.store("tree manifest \(tree.short): file '\(e.path)' has no digest") }
            case .link:
                guard let t = e.target, !t.isEmpty, !t.hasPrefix("/"), !t.contains("\0") else {
                    throw XGraphError.store("tree manifest \(tree.short): link '\(e.path)' has an absolute or empty target: refused")
                }
            case .directory: break
            }
        }
        // A file or link named as a folder's parent would make the build of the folder fail; the
        // check above already requires every parent to be listed, so require it to be a folder.
        let folders = Set(manifest.entries.filter { $0.kind == .directory }.map(\.path))
        for e in manifest.entries {
            guard let slash = e.path.lastIndex(of: "/") else { continue }
            let parent = String(e.path[..<slash])
            guard folders.contains(parent) else {
                throw XGraphError.store("tree manifest \(tree.short): the parent of '\(e.path)' is not a folder: refused")
            }
        }
        return manifest
    }

    /// The file entries of `manifest` whose blobs this store lacks (or holds damaged), with the
    /// execute bit each needs; one entry per blob variant. Without `verifyExisting` (a dry
    /// run's estimate) a present blob is not hashed again.
    public func missingBlobs(_ manifest: TreeManifest, verifyExisting: Bool = true) -> [(digest: Digest, executable: Bool, size: Int64)] {
        var out: [(Digest, Bool, Int64)] = []
        var seen = Set<String>()
        for e in manifest.entries where e.kind == .file {
            guard let d = e.digest else { continue }
            let x = e.executable == true
            guard seen.insert(d.hex + (x ? "x" : "")).inserted else { continue }
            let path = blobPath(d, executable: x)
            if POSIX.exists(path) && (!verifyExisting || blobIsIntact(path, d, size: e.size)) { continue }
            out.append((d, x, e.size ?? 0))
        }
        return out
    }

    /// Makes the artifact of a foreign manifest (already checked by `checkForeignManifest`) from
    /// blobs that are all in this store. `verified` names the blobs just imported (hashed on
    /// arrival); any other blob is hashed again before it is trusted. The folder is built in
    /// tmp/, scanned for links that leave it (refused, like an output's), then renamed in.
    public func importArtifact(_ manifest: TreeManifest, tree: Digest, verified: Set<Digest>) throws {
        if POSIX.exists(artifactPath(tree)) { return }
        for e in manifest.entries where e.kind == .file {
            guard let d = e.digest else { continue }
            if verified.contains(d) { continue }
            guard blobIsIntact(blobPath(d, executable: e.executable == true), d, size: e.size) else {
                throw XGraphError.store("blob \(d.short) of tree \(tree.short) is missing or damaged in \(root)")
            }
        }
        let staging = try stageArtifact(manifest, digest: tree)
        do {
            // The same containment rule as an output's: a link may not reach out of the artifact.
            _ = try TreeScan.scan(staging, escapingLinks: .reject)
            if !POSIX.exists(manifestPath(tree)) {
                try POSIX.publish(try manifest.encoded(), at: manifestPath(tree), tempDir: tmpDir,
                                  tempName: tempName("tree"), overwrite: false, mode: 0o444)
            }
            if try !adopt(staging, as: manifest, digest: tree) { POSIX.removeTree(staging) }
        } catch {
            POSIX.removeTree(staging)
            throw error
        }
        _ = caches.withLock { $0.artifactNames?.insert(tree.hex) }
    }

    /// Writes a record fetched from elsewhere, once its artifact is in place and its outputs are
    /// the artifact's: a record whose output is missing here would be a cache hit with nothing
    /// behind it. The first writer of a key wins, as for any record, except over a record whose
    /// own output is gone (lost or removed as damaged): that one is replaced, as a re-run would
    /// replace it (kept under history/), since keeping it would make the fetch a hit on nothing.
    @discardableResult
    public func importRecord(_ record: ActionRecord, manifest: TreeManifest) throws -> ActionRecord {
        guard manifest.digest == record.output, record.outputs == manifest.topLevelDigests else {
            throw XGraphError.store("the record of \(record.node) does not describe its output tree \(record.output.short): refused")
        }
        guard POSIX.exists(artifactPath(record.output)) else {
            throw XGraphError.store("the artifact \(record.output.short) of \(record.node) is not in \(root)")
        }
        var written = try write(record)
        if written.output != record.output && !POSIX.exists(artifactPath(written.output)) {
            written = try writeRunRecord(record)
        }
        try setLastKey(record.key, forNode: record.node)
        return written
    }
}
