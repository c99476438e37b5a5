import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// How damaged bytes leave the store and what they leave behind.
///
/// A blob whose bytes no longer match its name (edited in place, truncated, replaced by a
/// folder) is removed together with every artifact that shares its inode, so nothing hands the
/// wrong bytes on; a changed artifact is removed on its own. An artifact removed this way comes
/// back from its manifest when its blobs are intact (`restoreArtifact`); where it cannot, its
/// records are marked lost: a `KEY.lost` file beside `KEY.json` that says why. A lost record
/// is not a problem for `verify` (the store is consistent: the record says what was made, the
/// marker says it is gone), and its node runs again at the next build, whose new record
/// replaces the old one and clears the mark. `plan` and `status` say "its recorded output was
/// damaged and removed".
extension Store {
    func lostMarkerPath(_ key: Digest) -> String { actions.lostMarkerPath(key) }

    /// Whether the output of the record under `key` was removed as damaged (and not restored).
    public func outputWasRemovedAsDamaged(forKey key: Digest) -> Bool {
        POSIX.exists(lostMarkerPath(key))
    }

    func clearLostMark(_ key: Digest) {
        unlink(lostMarkerPath(key))
    }

    /// Marks the record under `key` lost: its output is gone and cannot be restored.
    func markLost(_ key: Digest, why: String) {
        _ = try? POSIX.publish(Data((why + "\n").utf8), at: lostMarkerPath(key), tempDir: tmpDir,
                           tempName: tempName("lost"), overwrite: true, mode: 0o444)
    }

    /// True if `path` is a regular file holding the bytes `digest` names (and, when given, of
    /// `size` bytes: a cheap first look).
    func blobIsIntact(_ path: String, _ digest: Digest, size: Int64? = nil) -> Bool {
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return false }
        if let size, Int64(st.st_size) != size { return false }
        return (try? FileHashing.sha256(path: path)) == digest
    }

    /// Removes a damaged blob and every artifact that shares its inode; returns those artifacts.
    /// A blob that is not a regular file (a folder, a link) shares nothing and is moved aside.
    func removeDamagedBlob(_ path: String) -> [Digest] {
        var st = stat()
        guard lstat(path, &st) == 0 else { return [] }
        if (st.st_mode & S_IFMT) == S_IFREG {
            let removed = removeArtifacts(sharingInodes: [UInt64(st.st_ino)])
            unlink(path)
            return removed
        }
        let aside = tmpDir + "/" + tempName("damaged")
        if rename(path, aside) == 0 { POSIX.removeTree(aside) }
        return []
    }

    /// Removes every artifact holding one of these inodes, and the blobs that are those inodes.
    func removeArtifacts(sharingInodes inodes: Set<UInt64>, besides already: Set<Digest> = []) -> [Digest] {
        guard !inodes.isEmpty else { return [] }
        var removed: [Digest] = []
        for name in POSIX.list(content.artifactsDir) ?? [] {
            guard let tree = Digest(hex: name), !already.contains(tree) else { continue }
            if Self.containsInode(artifactPath(tree), inodes) { removed.append(tree) }
        }
        for name in POSIX.list(content.blobsDir) ?? [] {
            let dir = content.blobsDir + "/" + name
            for blob in POSIX.list(dir) ?? [] {
                if let st = InputSnapshot.EntryStat(dir + "/" + blob), inodes.contains(st.ino) { unlink(dir + "/" + blob) }
            }
        }
        for tree in removed { removeArtifact(tree) }
        return removed
    }

    /// Renamed away first, so the artifact vanishes at once even while its files go. Moving a
    /// folder to another parent rewrites its `..`, which needs write permission on the folder
    /// itself: an ordinary user's rename of the read-only artifact fails without the chmod
    /// (root skips the check, so only an ordinary user's store kept damaged artifacts).
    func removeArtifact(_ tree: Digest) {
        let path = artifactPath(tree)
        let aside = tmpDir + "/" + tempName("damaged")
        if chmod(path, 0o755) != 0 && errno == EPERM {
            // Another member's artifact in a group store: only its owner can open it up, but
            // anyone in the group can take its name (GroupStore.swift).
            moveToTrash(path)
        } else if rename(path, aside) == 0 {
            POSIX.removeTree(aside)
        } else {
            chmod(path, 0o555)
        }
        caches.withLock { $0.artifactNames = nil; $0.artifactChecks = 0; $0.artifactGeneration += 1 }
    }

    /// After artifacts were removed as damaged: each comes back from its manifest and intact
    /// blobs where it can; the records of the others are marked lost. Returns what was restored
    /// and the keys marked lost.
    @discardableResult
    func healRemoved(_ trees: Set<Digest>, why: String) -> (restored: [Digest], lost: [Digest]) {
        guard !trees.isEmpty else { return ([], []) }
        var restored: [Digest] = [], gone = Set<Digest>()
        for tree in trees.sorted(by: { $0.hex < $1.hex }) {
            if restoreArtifact(tree) { restored.append(tree) } else { gone.insert(tree) }
        }
        var lost: [Digest] = []
        for (key, output) in KeyLog.scan(keyLogPath).outputs where gone.contains(output) {
            markLost(key, why: why)
            lost.append(key)
        }
        return (restored, lost.sorted { $0.hex < $1.hex })
    }

    static func containsInode(_ dir: String, _ inodes: Set<UInt64>) -> Bool {
        for name in POSIX.list(dir) ?? [] {
            let path = dir + "/" + name
            guard let st = InputSnapshot.EntryStat(path) else { continue }
            if (st.mode & S_IFMT) == S_IFDIR { if containsInode(path, inodes) { return true } }
            else if inodes.contains(st.ino) { return true }
        }
        return false
    }
}
