import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// What a step's input artifacts looked like before it ran, to prove afterwards that it did not
/// change them.
///
/// Artifacts are read-only folders of hard links to shared blobs, but file modes do not stop a
/// step that runs as root (the usual case in GPU containers): a write into an input file changes
/// the blob, and with it every artifact that links to it, even of unrelated nodes. So the builder
/// takes a snapshot of each input artifact's entries (inode, size, mtime, ctime) before the job
/// and compares after it. A file whose stat moved is hashed again (another build linking the
/// same blob moves its ctime without changing a byte); a folder whose stat moved is listed again
/// against the manifest. Anything that really changed fails the node, and `invalidate` removes
/// the damaged blobs and every artifact that links to them, so the nodes that made them run
/// again (see `Store.restoreArtifact`).
public struct InputSnapshot: Sendable {
    struct Entry: Sendable {
        var tree: Digest
        var entry: TreeEntry
        var stat: EntryStat?
    }
    struct EntryStat: Sendable, Equatable {
        var dev: UInt64, ino: UInt64, size: Int64, mtime: Int64, ctime: Int64, mode: UInt32

        init?(_ path: String) {
            var st = stat()
            guard lstat(path, &st) == 0 else { return nil }
            dev = UInt64(st.st_dev); ino = UInt64(st.st_ino); size = Int64(st.st_size); mode = st.st_mode
            mtime = Int64(st.st_mtim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_mtim.tv_nsec)
            ctime = Int64(st.st_ctim.tv_sec) &* 1_000_000_000 &+ Int64(st.st_ctim.tv_nsec)
        }
    }
    var entries: [Entry] = []
    var roots: [(tree: Digest, names: [String], stat: EntryStat?)] = []
}

/// An input artifact that a step changed.
public struct InputDamage: Sendable, Equatable {
    public var tree: Digest
    /// Paths inside the artifact that changed, were added or went missing.
    public var paths: [String]
    /// Inodes of files whose bytes changed: the blobs behind them are damaged too.
    var damagedInodes: [UInt64]
}

extension Store {
    /// The folders a job must not write into: every input artifact's files live there.
    public var immutableFolders: [String] { content.immutableFolders }

    /// Takes the snapshot of these input artifacts (missing ones and unreadable manifests are
    /// skipped: the node's own run fails on them if they matter).
    public func snapshotInputs(_ trees: [Digest]) -> InputSnapshot {
        var snap = InputSnapshot()
        for tree in Set(trees).sorted(by: { $0.hex < $1.hex }) {
            guard let manifest = try? manifest(tree) else { continue }
            let base = artifactPath(tree)
            snap.roots.append((tree, manifest.entries.filter { !$0.path.contains("/") }.map(\.path).sorted(),
                               InputSnapshot.EntryStat(base)))
            for e in manifest.entries {
                snap.entries.append(.init(tree: tree, entry: e, stat: InputSnapshot.EntryStat(base + "/" + e.path)))
            }
        }
        return snap
    }

    /// The input artifacts that differ from the snapshot in content or structure.
    public func damagedInputs(since snap: InputSnapshot) -> [InputDamage] {
        var damage: [Digest: InputDamage] = [:]
        func note(_ tree: Digest, _ path: String, inode: UInt64? = nil) {
            damage[tree, default: InputDamage(tree: tree, paths: [], damagedInodes: [])].paths.append(path)
            if let inode { damage[tree]?.damagedInodes.append(inode) }
        }
        var childNames: [Digest: [String: [String]]] = [:]
        for e in snap.entries {
            // Split by hand: NSString's path methods trap on some one-letter names.
            let path = e.entry.path
            let (dir, name) = path.lastIndex(of: "/").map { (String(path[..<$0]), String(path[path.index(after: $0)...])) } ?? ("", path)
            childNames[e.tree, default: [:]][dir, default: []].append(name)
        }
        for root in snap.roots {
            let now = InputSnapshot.EntryStat(artifactPath(root.tree))
            if now != root.stat, (POSIX.list(artifactPath(root.tree)) ?? []).sorted() != root.names {
                note(root.tree, ".")
            }
        }
        for e in snap.entries {
            let path = artifactPath(e.tree) + "/" + e.entry.path
            let now = InputSnapshot.EntryStat(path)
            if now == e.stat { continue }
            guard let now, let before = e.stat, now.ino == before.ino || e.entry.kind != .file else {
                note(e.tree, e.entry.path); continue
            }
            switch e.entry.kind {
            case .file:
                // Only the bytes count: a link(2) elsewhere also moves the ctime.
                if now.size != e.entry.size || (try? FileHashing.sha256(path: path)) != e.entry.digest {
                    note(e.tree, e.entry.path, inode: now.ino)
                }
            case .directory:
                let expected = (childNames[e.tree]?[e.entry.path] ?? []).sorted()
                if (POSIX.list(path) ?? []).sorted() != expected { note(e.tree, e.entry.path) }
            case .link:
                if (try? TreeScan.readLink(path)) != e.entry.target { note(e.tree, e.entry.path) }
            }
        }
        return damage.values.sorted { $0.tree.hex < $1.tree.hex }
    }

    /// Removes damaged input artifacts, the blobs whose bytes a step changed, and every other
    /// artifact that links to those blobs, so nothing in the store hands the changed bytes on.
    /// Each removed artifact comes back at once from its manifest where its blobs are intact;
    /// the records of the others are marked lost, so `verify` finds the store consistent and
    /// their nodes run again at the next build (see DamageRepair.swift).
    /// Returns the removed artifacts.
    @discardableResult
    public func invalidate(_ damage: [InputDamage]) -> [Digest] {
        var removed = Set(damage.map(\.tree))
        removed.formUnion(removeArtifacts(sharingInodes: Set(damage.flatMap(\.damagedInodes)), besides: removed))
        for tree in damage.map(\.tree) { removeArtifact(tree) }
        healRemoved(removed, why: "a step changed its input artifact's files")
        return removed.sorted { $0.hex < $1.hex }
    }
}
