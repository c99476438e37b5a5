import Foundation
import XGraphCore

/// One entry of a tree: a regular file, a folder or a symbolic link, at a relative path.
public struct TreeEntry: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable { case file, directory, link }

    /// Relative path with `/` separators, never starting with `/` and never containing `..`.
    public var path: String
    public var kind: Kind
    /// Files only: the owner's execute bit.
    public var executable: Bool?
    /// Files only: the SHA-256 of the content (the blob's name).
    public var digest: Digest?
    /// Files only: the size in bytes (informational; not hashed, the digest covers it).
    public var size: Int64?
    /// Links only: the relative target, which stays inside the tree.
    public var target: String?

    public static func file(_ path: String, digest: Digest, executable: Bool, size: Int64) -> TreeEntry {
        TreeEntry(path: path, kind: .file, executable: executable, digest: digest, size: size, target: nil)
    }
    public static func directory(_ path: String) -> TreeEntry {
        TreeEntry(path: path, kind: .directory, executable: nil, digest: nil, size: nil, target: nil)
    }
    public static func link(_ path: String, target: String) -> TreeEntry {
        TreeEntry(path: path, kind: .link, executable: nil, digest: nil, size: nil, target: target)
    }
}

/// The canonical description of a folder's content, and the digest that names it.
///
/// Tree digest encoding (hashed with SHA-256):
///
///     "xgraph-tree 1\n"
///     then for each entry, sorted by the UTF-8 bytes of its path:
///         <kind> NUL <path> NUL <value> NUL
///     kind:  "f" regular file, "x" regular file with the owner execute bit, "d" folder, "l" link
///     value: the file's content digest (64 hex), "" for a folder, the link's target text
///
/// Paths are relative, `/`-separated, with no `.` or `..` components; they and link targets
/// cannot contain NUL, so the encoding is unambiguous. Empty folders are entries, so they count.
/// The root folder itself is not an entry: an empty folder has the digest of the header alone.
/// File metadata other than the execute bit (owner, mtime, other mode bits) is not part of it.
///
/// On-disk manifest: `trees/<d[0..2]>/<d>.json`, JSONEncoder with sorted keys:
///     {"entries":[TreeEntry...],"version":1}
///
/// Version History:
/// * 1: first version.
public struct TreeManifest: Codable, Sendable, Equatable {
    public static let encodingVersion = 1

    public var version: Int
    /// Sorted by the UTF-8 bytes of `path`.
    public var entries: [TreeEntry]

    public init(entries: [TreeEntry]) {
        self.version = Self.encodingVersion
        self.entries = entries.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }

    public var digest: Digest { Self.digest(of: entries) }

    /// The digest of `entries`, which must already be sorted by path bytes.
    static func digest(of entries: some Sequence<TreeEntry>, dropping prefix: Int = 0) -> Digest {
        var h = Hasher256()
        h.update("xgraph-tree 1\n")
        let nul: [UInt8] = [0]
        for e in entries {
            let kind: String
            let value: String
            switch e.kind {
            case .file: kind = e.executable == true ? "x" : "f"; value = e.digest?.hex ?? ""
            case .directory: kind = "d"; value = ""
            case .link: kind = "l"; value = e.target ?? ""
            }
            h.update(kind); h.update(nul)
            h.update(Data(e.path.utf8.dropFirst(prefix))); h.update(nul)
            h.update(value); h.update(nul)
        }
        return h.finalize()
    }

    /// The digest of each top-level entry: a file's content digest, a folder's sub-tree digest
    /// (the same encoding over its entries, with paths relative to it), or a link's
    /// `SHA-256("xgraph-link 1\0" + target)`.
    public var topLevelDigests: [String: Digest] {
        var result: [String: Digest] = [:]
        for e in entries where !e.path.contains("/") {
            switch e.kind {
            case .file: result[e.path] = e.digest
            case .link: result[e.path] = Digest.of("xgraph-link 1\0" + (e.target ?? ""))
            case .directory:
                // Not necessarily adjacent: "d.txt" sorts between "d" and "d/a".
                let prefix = e.path + "/"
                let inside = entries.lazy.filter { $0.path.hasPrefix(prefix) }
                result[e.path] = Self.digest(of: inside, dropping: prefix.utf8.count)
            }
        }
        return result
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    func encoded() throws -> Data { try Self.encoder.encode(self) }

    static func decode(_ data: Data) throws -> TreeManifest {
        try JSONDecoder().decode(TreeManifest.self, from: data)
    }
}
