import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// Walks a folder into tree entries (without file digests). Shared by ingest and `digestOfTree`
/// so that a folder's digest equals the digest of the artifact made from it.
struct TreeScan {
    struct Item {
        var path: String          // relative
        var kind: TreeEntry.Kind
        var executable: Bool
        var size: Int64
        var target: String?       // links
        var absolutePath: String  // where to read a file's bytes
        var linkCount: UInt64
        var mtimeNanos: Int64
    }

    /// What to do with a link that is absolute or leaves the folder. Artifacts must be
    /// self-contained, so ingest rejects them; a code or data folder may be assembled from
    /// links elsewhere, so its digest follows them and hashes what they point to.
    enum EscapingLinks { case reject, follow }

    let root: String
    let escapingLinks: EscapingLinks
    /// Leave out `.git` and xgraph stores (see `Store.digestOfTree`).
    var skippingRepositoriesAndStores = false
    private(set) var items: [Item] = []
    private var activeDirectories: Set<[UInt64]> = []

    static func scan(_ root: String, escapingLinks: EscapingLinks,
                     skippingRepositoriesAndStores: Bool = false) throws -> [Item] {
        var st = stat()
        guard stat(root, &st) == 0 else { throw POSIX.ioError("read folder", root) }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw XGraphError.io("\(root) is not a folder") }
        var scan = TreeScan(root: root, escapingLinks: escapingLinks)
        scan.skippingRepositoriesAndStores = skippingRepositoriesAndStores
        try scan.walk(absolute: root, relative: "", dirStat: st)
        scan.items.sort { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        return scan.items
    }

    private mutating func walk(absolute: String, relative: String, dirStat: stat) throws {
        let id = [UInt64(dirStat.st_dev), UInt64(dirStat.st_ino)]
        guard activeDirectories.insert(id).inserted else {
            throw XGraphError.io("\(root)/\(relative) leads back to one of its parent folders through a link")
        }
        defer { activeDirectories.remove(id) }
        guard let names = POSIX.list(absolute) else { throw POSIX.ioError("list folder", absolute) }
        for name in names {
            let abs = absolute + "/" + name
            let rel = relative.isEmpty ? name : relative + "/" + name
            var st = stat()
            guard lstat(abs, &st) == 0 else { throw POSIX.ioError("stat", abs) }
            if skippingRepositoriesAndStores
                && (name == ".git" || ((st.st_mode & S_IFMT) == S_IFDIR && Self.isStore(abs))) { continue }
            try add(abs: abs, rel: rel, st: st)
        }
    }

    private mutating func add(abs: String, rel: String, st: stat) throws {
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            items.append(Item(path: rel, kind: .file, executable: (st.st_mode & S_IXUSR) != 0,
                              size: Int64(st.st_size), target: nil, absolutePath: abs,
                              linkCount: UInt64(st.st_nlink), mtimeNanos: Self.mtime(st)))
        case S_IFDIR:
            items.append(Item(path: rel, kind: .directory, executable: false, size: 0, target: nil,
                              absolutePath: abs, linkCount: 1, mtimeNanos: Self.mtime(st)))
            try walk(absolute: abs, relative: rel, dirStat: st)
        case S_IFLNK:
            let target = try Self.readLink(abs)
            // The link is checked as it resolves, through the tree's other links: read as text,
            // `lib/helper.txt -> p/q/up/../secret.txt` stays inside `lib/`, but with
            // `p/q/up -> ../..` it reads `../secret.txt`. An output tree (reject) refuses such a
            // link; a code or data folder (follow) hashes what it really reads, so editing that
            // file changes the key.
            let inside = resolvesInside(link: rel, target: target)
            if inside {
                items.append(Item(path: rel, kind: .link, executable: false, size: 0, target: target,
                                  absolutePath: abs, linkCount: 1, mtimeNanos: Self.mtime(st)))
            } else if escapingLinks == .follow {
                var followed = stat()
                guard stat(abs, &followed) == 0 else {
                    throw XGraphError.io("\(abs) is a broken link to \(target)")
                }
                try add(abs: abs, rel: rel, st: followed)
            } else {
                throw XGraphError.store(
                    "output \(rel) is a link to \(target), which leaves the output folder; "
                    + "outputs must be self-contained: copy the file, or use a relative link inside the folder")
            }
        default:
            throw XGraphError.store("\(rel) in \(root) is not a regular file, folder or link (a pipe, socket or device)")
        }
    }

    /// A folder laid out as an xgraph store: a `VERSION` file beside `records/` and `blobs/`
    /// (what every store version has had). `.git` may be a file (a linked work tree), so it is
    /// skipped by name instead.
    static func isStore(_ path: String) -> Bool {
        var st = stat()
        return stat(path + "/VERSION", &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
            && stat(path + "/records", &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            && stat(path + "/blobs", &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func mtime(_ st: stat) -> Int64 {
        Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }

    static func readLink(_ path: String) throws -> String {
        guard let target = POSIXLink.target(path) else { throw POSIX.ioError("read link", path) }
        return target
    }

    /// Most links one resolution follows, as the kernel's ELOOP limit.
    static let maxLinkHops = 40

    /// Resolves `target` against the link's folder the way the kernel will once the tree is an
    /// artifact, wherever that artifact lives: component by component, expanding each link met
    /// inside the tree. True if it never climbs above the tree's root and meets no absolute link.
    /// A lexical check alone is fooled by an inner link: with `p/q/r/up -> ../../..`,
    /// `leak -> p/q/r/up/../../../x` looks inside but reads three folders above the root.
    /// Missing components are taken as plain names (a dangling link stays dangling anywhere).
    func resolvesInside(link rel: String, target: String) -> Bool {
        guard Self.staysInside(link: rel, target: target) else { return false }
        var stack = rel.split(separator: "/", omittingEmptySubsequences: true).dropLast().map(String.init)
        var pending = target.split(separator: "/", omittingEmptySubsequences: true).reversed().map(String.init)
        var hops = 0
        while let part = pending.popLast() {
            if part == "." { continue }
            if part == ".." {
                if stack.isEmpty { return false }
                stack.removeLast()
                continue
            }
            stack.append(part)
            let path = root + "/" + stack.joined(separator: "/")
            guard let mode = POSIX.lstatMode(path), (mode & S_IFMT) == S_IFLNK else { continue }
            hops += 1
            guard hops <= Self.maxLinkHops, let next = try? Self.readLink(path), !next.isEmpty, !next.hasPrefix("/") else {
                return false
            }
            stack.removeLast()
            pending.append(contentsOf: next.split(separator: "/", omittingEmptySubsequences: true).reversed().map(String.init))
        }
        return true
    }

    /// Resolves `target` lexically against the link's folder: true if it is relative and never
    /// climbs above the tree's root.
    static func staysInside(link rel: String, target: String) -> Bool {
        guard !target.isEmpty, !target.hasPrefix("/") else { return false }
        var stack = rel.split(separator: "/", omittingEmptySubsequences: true).dropLast().map(String.init)
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if stack.isEmpty { return false }
                stack.removeLast()
            } else {
                stack.append(String(part))
            }
        }
        return true
    }
}
