import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// What `ingest` made of an output folder.
public struct IngestResult: Sendable, Equatable {
    /// The digest of the whole tree: the artifact's name and what downstream keys hash.
    public var tree: Digest
    /// Each top-level name → its file digest or sub-tree digest (see TreeManifest.topLevelDigests),
    /// for ActionRecord.outputs.
    public var outputs: [String: Digest]
    /// Number of files, and how many of them were already in the store.
    public var fileCount: Int
    public var reusedBlobCount: Int
}

extension Store {
    /// Moves a finished output folder into the store and removes it, whether or not this
    /// succeeds (a rejected output leaves nothing behind but the error).
    ///
    /// Regular files, folders (empty ones too) and relative links that stay inside the folder
    /// are stored; an absolute or escaping link, a pipe, socket or device is an error.
    /// Order: blobs, then the manifest, then the folder itself renamed in as the artifact; so an
    /// artifact that exists is complete, and a crash leaves only unreferenced blobs and tmp/
    /// garbage.
    ///
    /// The output folder becomes the artifact in place (each new file linked into blobs/, not
    /// moved out and linked back into a fresh folder): on ext4 without a journal every inode
    /// freed in the last seconds to minutes slows each later file creation, and a fresh artifact
    /// folder plus the removed output folder cost one new and one freed inode per node.
    public func ingest(outputDirectory: String) throws -> IngestResult {
        var adopted = false
        defer { if !adopted { discardOutputDirectory(outputDirectory) } }
        let items = try TreeScan.scan(outputDirectory, escapingLinks: .reject)
        var entries: [TreeEntry] = []
        entries.reserveCapacity(items.count)
        var files = 0, reused = 0
        // Artifacts removed because they shared a damaged blob this ingest replaced.
        var removed = Set<Digest>()
        for item in items {
            switch item.kind {
            case .directory: entries.append(.directory(item.path))
            case .link: entries.append(.link(item.path, target: item.target ?? ""))
            case .file:
                files += 1
                let digest = try FileHashing.sha256(path: item.absolutePath)
                if try storeBlob(item, digest: digest, removed: &removed) { reused += 1 }
                entries.append(.file(item.path, digest: digest, executable: item.executable, size: item.size))
            }
        }
        let manifest = TreeManifest(entries: entries)
        let tree = manifest.digest
        try publishManifest(manifest, digest: tree)
        adopted = try adopt(outputDirectory, as: manifest, digest: tree, verifyExisting: true)
        // The good bytes are in blobs/ again: what shared the damaged ones comes back now.
        healRemoved(removed.subtracting([tree]), why: "it shared a damaged blob")
        return IngestResult(tree: tree, outputs: manifest.topLevelDigests, fileCount: files, reusedBlobCount: reused)
    }

    /// Files up to this size stay in their artifact as their own inode when the store already
    /// holds a blob of the same bytes, instead of being replaced by a link to that blob: a link
    /// would free the step's inode (see `ingest`) to save at most a block or two of disk.
    static let keptDuplicateLimit: Int64 = 64 * 1024

    /// Makes sure blobs/ holds the file's bytes and leaves, at the file's place in the output
    /// folder, the read-only file the artifact will hold; returns true if the blob existed.
    ///
    /// A new file is synced, made read-only and linked into blobs/ (the artifact file and the
    /// blob are one inode). A file whose blob exists stays if it is small, and is otherwise
    /// replaced by a link to the blob. A file the step also linked elsewhere (a user's `ln`)
    /// is never kept: making it read-only in place would change that other file too, and it
    /// could be changed through it, so its bytes are copied.
    ///
    /// A blob that exists is used only once it is proven to hold the bytes its name promises: a
    /// file of an artifact edited in place outside any build (a user with write access, a tool
    /// that opens outputs read-write) changes its blob too, and a rebuild that trusted the name
    /// would keep handing the damaged bytes to every new reader. A damaged blob is removed with
    /// every artifact that shares it (`removed` collects them), and the new bytes take its place.
    private func storeBlob(_ item: TreeScan.Item, digest: Digest, removed: inout Set<Digest>) throws -> Bool {
        let dest = blobPath(digest, executable: item.executable)
        let place = item.absolutePath
        let mode: mode_t = item.executable ? 0o555 : 0o444
        let shared = item.linkCount > 1
        if POSIX.exists(dest), !blobIsIntact(dest, digest, size: item.size) {
            removed.formUnion(removeDamagedBlob(dest))
        }
        if POSIX.exists(dest) {
            if !shared && item.size <= Self.keptDuplicateLimit {
                try Self.syncReadOnly(place, mode: mode)
            } else {
                try Self.replace(place, withLinkTo: dest, mode: mode)
            }
            return true
        }
        try POSIX.makeDirectories((dest as NSString).deletingLastPathComponent)
        if shared {
            try copyIntoBlob(place, dest, mode: mode)
            try Self.replace(place, withLinkTo: dest, mode: mode)
            return false
        }
        try Self.syncReadOnly(place, mode: mode)
        if link(place, dest) != 0 {
            let code = errno
            // A racing writer stored the same bytes first: ours stays the artifact's own file.
            if code == EEXIST { return false }
            // Too many links, or no hard links on this file system: the blob is a copy.
            guard code == EMLINK || code == EPERM || code == ENOTSUP || code == EOPNOTSUPP else {
                throw POSIX.ioError("link into the store", dest, code)
            }
            try copyIntoBlob(place, dest, mode: mode)
        }
        return false
    }

    /// A synced, read-only copy of `source` renamed in as the blob `dest`.
    private func copyIntoBlob(_ source: String, _ dest: String, mode: mode_t) throws {
        let copy = tmpDir + "/" + tempName("blob")
        try Self.copyFile(source, to: copy)
        guard chmod(copy, mode) == 0 else { throw POSIX.ioError("make read-only", copy) }
        // Two writers of one blob rename identical bytes over each other: harmless.
        guard rename(copy, dest) == 0 else { throw POSIX.ioError("move into the store", dest) }
    }

    /// The file's bytes on disk before any name that trusts them appears, and its mode read-only.
    private static func syncReadOnly(_ path: String, mode: mode_t) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw POSIX.ioError("open", path) }
        fsync(fd)
        close(fd)
        guard chmod(path, mode) == 0 else { throw POSIX.ioError("make read-only", path) }
    }

    /// Puts a link to `blob` (or, where links fail, a read-only copy of it) where `path` was.
    private static func replace(_ path: String, withLinkTo blob: String, mode: mode_t) throws {
        guard unlink(path) == 0 else { throw POSIX.ioError("remove", path) }
        try linkOrCopy(blob, to: path, mode: mode)
    }

    /// A hard link to `blob` at `path`; where that fails (too many links to one inode, EMLINK,
    /// or no hard links on this file system) a synced copy with the blob's read-only mode.
    static func linkOrCopy(_ blob: String, to path: String, mode: mode_t) throws {
        if link(blob, path) != 0 {
            try copyFile(blob, to: path)
            chmod(path, mode)
        }
    }

    /// Makes a complete folder (the ingested output, or a restored artifact's staging folder) the
    /// artifact: its folders read-only, deepest first so that none is read-only before its
    /// children are in place, then one rename into artifacts/. False if the artifact was there
    /// already (the caller then removes the folder), or another process renamed it in first.
    ///
    /// With `verifyExisting` (an ingest, whose blobs were all just proven intact), an artifact
    /// already there is checked against the manifest first, and replaced when its files were
    /// changed: an in-place edit of a small file (which keeps its own inode) leaves the blob
    /// intact but the artifact wrong.
    func adopt(_ folder: String, as manifest: TreeManifest, digest: Digest, verifyExisting: Bool = false) throws -> Bool {
        let final = artifactPath(digest)
        if POSIX.exists(final) {
            guard verifyExisting, (try? artifactTreeDigest(final, manifest: manifest, blobsVerified: true)) != digest else { return false }
            removeArtifact(digest)
        }
        for e in manifest.entries.reversed() where e.kind == .directory {
            chmod(folder + "/" + e.path, 0o555)
        }
        // The artifact's own folder stays writable until it is in place: moving a folder to
        // another parent rewrites its `..` entry, which needs write permission on the folder
        // itself (root skips that check, ordinary users do not).
        if rename(folder, final) != 0 {
            let code = errno
            guard code == EEXIST || code == ENOTEMPTY else { throw POSIX.ioError("move into the store", final, code) }
            return false
        }
        chmod(final, 0o555)
        return true
    }

    static func copyFile(_ from: String, to: String) throws {
        let src = open(from, O_RDONLY | O_CLOEXEC)
        guard src >= 0 else { throw POSIX.ioError("open", from) }
        defer { close(src) }
        let dst = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard dst >= 0 else { throw POSIX.ioError("create", to) }
        defer { close(dst) }
        let size = 1 << 20
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { buf.deallocate() }
        while true {
            let n = read(src, buf.baseAddress, size)
            if n < 0 { if errno == EINTR { continue }; throw POSIX.ioError("read", from) }
            if n == 0 { break }
            var off = 0
            while off < n {
                let w = Glibc.write(dst, buf.baseAddress! + off, n - off)
                if w < 0 { if errno == EINTR { continue }; throw POSIX.ioError("write", to) }
                off += w
            }
        }
        // The copy becomes a blob or an artifact file: on disk before it is named, as a moved file is.
        guard fsync(dst) == 0 else { throw POSIX.ioError("fsync", to) }
    }

    private func publishManifest(_ manifest: TreeManifest, digest: Digest) throws {
        let path = manifestPath(digest)
        if POSIX.exists(path) { return }
        try POSIX.publish(try manifest.encoded(), at: path, tempDir: tmpDir, tempName: tempName("tree"),
                          overwrite: false, mode: 0o444)
    }

    /// Builds artifacts/<digest>/ in tmp/ from hard links to blobs and renames it in. If
    /// another process renamed the same artifact in first, ours is dropped.
    private func materialise(_ manifest: TreeManifest, digest: Digest) throws {
        if POSIX.exists(artifactPath(digest)) { return }
        let staging = try stageArtifact(manifest, digest: digest)
        do {
            if try !adopt(staging, as: manifest, digest: digest) { POSIX.removeTree(staging) }
        } catch {
            POSIX.removeTree(staging)
            throw error
        }
    }

    /// The folder of `manifest` built in tmp/ from hard links to its blobs (read-only copies
    /// where the file system refuses a link), for the caller to adopt or remove; nothing is left
    /// behind when it fails.
    func stageArtifact(_ manifest: TreeManifest, digest: Digest) throws -> String {
        let staging = tmpDir + "/" + tempName("artifact")
        guard mkdir(staging, 0o777) == 0 else { throw POSIX.ioError("create folder", staging) }
        do {
            for e in manifest.entries {
                let path = staging + "/" + e.path
                switch e.kind {
                case .directory:
                    guard mkdir(path, 0o777) == 0 else { throw POSIX.ioError("create folder", path) }
                case .link:
                    guard symlink(e.target ?? "", path) == 0 else { throw POSIX.ioError("create link", path) }
                case .file:
                    guard let d = e.digest else { throw XGraphError.store("manifest \(digest) has a file without a digest") }
                    try Self.linkOrCopy(blobPath(d, executable: e.executable == true), to: path,
                                        mode: e.executable == true ? 0o555 : 0o444)
                }
            }
            return staging
        } catch {
            POSIX.removeTree(staging)
            throw error
        }
    }

    /// Builds a missing artifact again from its manifest and blobs, when the manifest is there
    /// and every blob is, with the bytes its name promises (each is hashed: this runs only
    /// when an artifact was lost, and a damaged blob must not come back as a good artifact).
    /// Returns true if the artifact is in place afterwards.
    public func restoreArtifact(_ tree: Digest) -> Bool {
        if POSIX.exists(artifactPath(tree)) { return true }
        guard let manifest = try? manifest(tree), manifest.digest == tree else { return false }
        for e in manifest.entries where e.kind == .file {
            guard let d = e.digest,
                  (try? FileHashing.sha256(path: blobPath(d, executable: e.executable == true))) == d else { return false }
        }
        do { try materialise(manifest, digest: tree) } catch { return false }
        _ = caches.withLock { $0.artifactNames?.insert(tree.hex) }
        return POSIX.exists(artifactPath(tree))
    }

    /// The read-only folder holding an artifact's files (it exists if `hasArtifact`).
    public func artifactPath(_ tree: Digest) -> String { content.artifactPath(tree) }

    /// True if the artifact is in the store. It appears by one rename after its blobs and
    /// manifest, so an artifact that exists is complete.
    ///
    /// A null build asks this for every node. After the first `listingThreshold` questions the
    /// names in artifacts/ are read once (one folder listing instead of a stat per node, the
    /// larger part of a null build's system time); a name missing from that listing, such as an
    /// artifact made since, is still checked with a stat. Artifacts are never deleted while a
    /// build runs (there is no gc), so a listed name stays true.
    public func hasArtifact(_ tree: Digest) -> Bool {
        let listed: Bool = caches.withLock { c in
            if c.artifactNames == nil {
                c.artifactChecks += 1
                guard c.artifactChecks > Self.listingThreshold else { return false }
                c.artifactNames = Set(POSIX.list(content.artifactsDir) ?? [])
            }
            return c.artifactNames!.contains(tree.hex)
        }
        return listed || POSIX.exists(artifactPath(tree))
    }

    static let listingThreshold = 256

    /// The manifest of a stored tree, if any.
    public func manifest(_ tree: Digest) throws -> TreeManifest? {
        guard let data = POSIX.readFile(manifestPath(tree)) else { return nil }
        return try TreeManifest.decode(data)
    }
}
