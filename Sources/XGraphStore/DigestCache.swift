import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// File digests by path, trusted while the file's (size, mtime, ctime, inode, device) are
/// unchanged, so a null build stats datasets and code instead of reading them. The change time
/// is there because tools can put an mtime back (`touch -r`, `rsync -t`, `cp -p` over a file in
/// place) but not a ctime: any write or chmod moves it. As in git's index.
///
/// On disk, `digest-cache` (written whole by `saveDigestCache`, atomically; when two processes
/// save, the last one wins, which only costs the other's entries a re-hash):
///
///     "xgraph-digest-cache 2\n"
///     <digest hex> SP <size> SP <mtime ns> SP <ctime ns> SP <inode> SP <device> SP <path> LF
///
/// Paths containing a newline are cached in memory only.
///
/// Version History:
/// * 1: first version: (size, mtime, inode).
/// * 2: adds ctime and the device. A version-1 file is ignored (its files are hashed once more).
struct DigestCacheTable {
    struct Entry: Equatable {
        var size: Int64
        var mtimeNanos: Int64
        var ctimeNanos: Int64
        var inode: UInt64
        var device: UInt64
        var digest: Digest

        /// The stat fields an entry is trusted by, for a file's current stat.
        init(_ st: stat, digest: Digest) {
            size = Int64(st.st_size)
            mtimeNanos = TreeScan.mtime(st)
            ctimeNanos = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
            inode = UInt64(st.st_ino)
            device = UInt64(st.st_dev)
            self.digest = digest
        }

        init(size: Int64, mtimeNanos: Int64, ctimeNanos: Int64, inode: UInt64, device: UInt64, digest: Digest) {
            self.size = size; self.mtimeNanos = mtimeNanos; self.ctimeNanos = ctimeNanos
            self.inode = inode; self.device = device; self.digest = digest
        }

        /// True if `other` (an entry made from the current stat) describes the same file state.
        func sameFile(as other: Entry) -> Bool {
            size == other.size && mtimeNanos == other.mtimeNanos && ctimeNanos == other.ctimeNanos
                && inode == other.inode && device == other.device
        }
    }
    var entries: [String: Entry] = [:]
    var dirty = false

    static let header = "xgraph-digest-cache 2\n"

    static func load(_ path: String) -> DigestCacheTable {
        var table = DigestCacheTable()
        guard let data = POSIX.readFile(path), data.starts(with: Data(header.utf8)) else { return table }
        // Bytes, not Characters: this runs on every build over every cached file.
        let bytes = [UInt8](data.dropFirst(header.utf8.count))
        for line in bytes.split(separator: 0x0A) {
            let f = line.split(separator: 0x20, maxSplits: 6, omittingEmptySubsequences: false)
            guard f.count == 7, let d = f[0].withUnsafeBufferPointer({ Digest(hexUTF8: $0) }),
                  let size = Int64(String(decoding: f[1], as: UTF8.self)),
                  let mtime = Int64(String(decoding: f[2], as: UTF8.self)),
                  let ctime = Int64(String(decoding: f[3], as: UTF8.self)),
                  let inode = UInt64(String(decoding: f[4], as: UTF8.self)),
                  let device = UInt64(String(decoding: f[5], as: UTF8.self)) else { continue }
            table.entries[String(decoding: f[6], as: UTF8.self)] =
                Entry(size: size, mtimeNanos: mtime, ctimeNanos: ctime, inode: inode, device: device, digest: d)
        }
        return table
    }

    func encoded() -> Data {
        var out = Self.header
        for (path, e) in entries.sorted(by: { $0.key < $1.key }) where !path.contains("\n") {
            out += "\(e.digest.hex) \(e.size) \(e.mtimeNanos) \(e.ctimeNanos) \(e.inode) \(e.device) \(path)\n"
        }
        return Data(out.utf8)
    }
}

extension Store {
    /// A file changed within this many nanoseconds of being hashed may change again without
    /// its mtime moving (coarse timestamps); its digest is not cached (git's "racy" rule).
    static let racyWindowNanos: Int64 = 2_000_000_000

    private var digestCachePath: String { root + "/digest-cache" }

    /// The digest field of an entry made from a stat, before the file is hashed (if it must be).
    private static let notYetHashed = Digest.of("")

    /// The SHA-256 of a file's content: a stat and a dictionary lookup when the file's size,
    /// mtime, ctime, inode and device are those it had when it was last hashed.
    public func digestOfFile(_ path: String) throws -> Digest {
        var st = stat()
        guard stat(path, &st) == 0 else { throw POSIX.ioError("read", path) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw XGraphError.io("\(path) is not a regular file") }
        let current = DigestCacheTable.Entry(st, digest: Self.notYetHashed)
        let cached: Digest? = caches.withLock { c in
            if c.digestCache == nil { c.digestCache = DigestCacheTable.load(digestCachePath) }
            guard let e = c.digestCache?.entries[path], e.sameFile(as: current) else { return nil }
            return e.digest
        }
        if let cached { return cached }
        let digest = try FileHashing.sha256(path: path)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let nowNanos = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
        if nowNanos - current.mtimeNanos > Self.racyWindowNanos {
            var entry = current
            entry.digest = digest
            caches.withLock { c in
                if c.digestCache!.entries[path] != entry {
                    c.digestCache!.entries[path] = entry
                    c.digestCache!.dirty = true
                }
            }
        }
        return digest
    }

    /// A folder's content digest, in the tree encoding of TreeManifest, so it equals the
    /// digest the folder would get as an artifact. Links that leave the folder are followed
    /// (a data folder may be assembled from links) and hashed as what they point to.
    ///
    /// `skippingRepositoriesAndStores` leaves out every `.git` and every folder laid out as an
    /// xgraph store (`TreeScan.isStore`), for `code:` folders: a project folder holds its store
    /// and its git metadata, which change with every build and commit, so the digest of
    /// `code: [.]` would never settle.
    public func digestOfTree(_ path: String, skippingRepositoriesAndStores: Bool = false) throws -> Digest {
        let items = try TreeScan.scan(path, escapingLinks: .follow, skippingRepositoriesAndStores: skippingRepositoriesAndStores)
        var entries: [TreeEntry] = []
        entries.reserveCapacity(items.count)
        for item in items {
            switch item.kind {
            case .directory: entries.append(.directory(item.path))
            case .link: entries.append(.link(item.path, target: item.target ?? ""))
            case .file:
                entries.append(.file(item.path, digest: try digestOfFile(item.absolutePath),
                                     executable: item.executable, size: item.size))
            }
        }
        return TreeManifest.digest(of: entries)
    }

    /// A digest of the paths, kinds, sizes and mtimes of everything under `path` (or of the
    /// file itself): reads no content, for datasets fingerprinted by `stat`.
    ///
    /// Encoding: "xgraph-stat 1\n", then per entry sorted by path bytes
    /// `<kind f|x|d|l> NUL <path> NUL <size> NUL <mtime ns> NUL` (a file itself has path "").
    public func statFingerprint(_ path: String) throws -> Digest {
        var st = stat()
        guard stat(path, &st) == 0 else { throw POSIX.ioError("read", path) }
        var h = Hasher256()
        h.update("xgraph-stat 1\n")
        func add(_ kind: String, _ rel: String, _ size: Int64, _ mtime: Int64) {
            h.update(kind + "\0" + rel + "\0\(size)\0\(mtime)\0")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for item in try TreeScan.scan(path, escapingLinks: .follow) {
                let kind: String
                switch item.kind {
                case .file: kind = item.executable ? "x" : "f"
                case .directory: kind = "d"
                case .link: kind = "l"
                }
                add(kind, item.path, item.size, item.mtimeNanos)
            }
        } else {
            add((st.st_mode & S_IXUSR) != 0 ? "x" : "f", "", Int64(st.st_size), TreeScan.mtime(st))
        }
        return h.finalize()
    }

    /// Writes the digest cache to `digest-cache` if this process added to it.
    public func saveDigestCache() throws {
        let data: Data? = caches.withLock { c in
            guard let table = c.digestCache, table.dirty else { return nil }
            c.digestCache!.dirty = false
            return table.encoded()
        }
        guard let data else { return }
        try POSIX.publish(data, at: digestCachePath, tempDir: tmpDir, tempName: tempName("digests"), overwrite: true)
    }
}
