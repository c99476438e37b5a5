import Foundation
import XGraphCore
import XGraphGraph
import XGraphStore

/// Where a node's output is, for the user's own scripts (`xgraph path`) and for a collaborator
/// without xgraph (`xgraph export`). Only outputs built for the current spec are handed out: a
/// stale one would silently give the numbers of another version of the study.
extension Planner {
    /// A node's output, built for the current key.
    public struct BuiltOutput: Sendable {
        public var node: String
        public var key: Digest
        public var folder: String
        public var record: ActionRecord
    }

    /// The current outputs of the nodes matching `patterns` (every node without any; datasets
    /// left out), in plan order; each node that has none is listed in `missing` with the plan's
    /// reason. Their inputs are planned too, as keys need them.
    public func builtOutputs(matching patterns: [String]) throws -> (built: [BuiltOutput], missing: [(node: String, why: String)]) {
        let selection = patterns.isEmpty ? Array(graph.nodes.indices) : try graph.select(patterns)
        let wanted = patterns.isEmpty ? Set(selection) : Set(try graph.matching(patterns))
        let plan = try plan(selection: selection)
        var built: [BuiltOutput] = [], missing: [(String, String)] = []
        for (i, entry) in zip(selection, plan.entries) where wanted.contains(i) {
            if case .source = graph.nodes[i].kind { continue }
            switch entry.status {
            case .cached:
                guard let key = entry.key, let out = entry.output, let record = try store.record(forKey: key.key) else {
                    missing.append((entry.node, "its record cannot be read")); continue
                }
                built.append(BuiltOutput(node: entry.node, key: key.key, folder: store.artifactPath(out), record: record))
            case .willRun(let reason): missing.append((entry.node, "not built for the current spec: \(reason)"))
            case .blocked(let why): missing.append((entry.node, "blocked: \(why)"))
            }
        }
        return (built, missing)
    }
}

/// `xgraph export`: outputs copied (or hard-linked) into a folder laid out by node name, with a
/// manifest a collaborator can read without xgraph.
public enum OutputExport {
    /// Copies each output folder to `dir/<node name>/` and writes `dir/manifest.json` (node, key,
    /// commit, dirty, metrics, params, path, per node). Refuses a `dir` that exists and is not
    /// empty; nothing is left half-written on failure (the export is made in `dir.partial-PID`
    /// and renamed into place).
    public static func export(_ outputs: [Planner.BuiltOutput], to dir: String, link: Bool) throws -> Int {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: dir, isDirectory: &isDir) {
            guard isDir.boolValue, (try fm.contentsOfDirectory(atPath: dir)).isEmpty else {
                throw XGraphError.usage("\(dir) exists and is not an empty folder; export never overwrites: name a new folder")
            }
            try fm.removeItem(atPath: dir)
        }
        let staging = dir + ".partial-\(getpid())"
        try? fm.removeItem(atPath: staging)
        do {
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: true)
            var entries: [JSONValue] = []
            for o in outputs {
                let target = staging + "/" + o.node
                try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try copyTree(o.folder, to: target, link: link)
                let p = o.record.provenance
                entries.append(.object([
                    "node": .string(o.node), "key": .string(o.key.hex), "path": .string(o.node),
                    "commit": p.gitCommit.map(JSONValue.string) ?? .null, "dirty": p.gitDirty.map(JSONValue.bool) ?? .null,
                    "untracked_code": p.untrackedCode.map { .string($0.digest.hex) } ?? .null,
                    "metrics": o.record.metrics, "params": o.record.params,
                ]))
            }
            let manifest = JSONValue.object(["format": "xgraph-export", "version": .int(1), "nodes": .array(entries)])
            try manifest.canonicalData.write(to: URL(fileURLWithPath: staging + "/manifest.json"))
            guard rename(staging, dir) == 0 else { throw XGraphError.io("cannot move the export into \(dir): \(String(cString: strerror(errno)))") }
        } catch {
            try? fm.removeItem(atPath: staging)
            throw error
        }
        return outputs.count
    }

    /// A copy of an artifact folder. Copies are the user's to change; with `link` the files are
    /// hard links to the store's read-only blobs, which must never be edited.
    private static func copyTree(_ from: String, to: String, link doLink: Bool) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: to, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: from) {
            let src = from + "/" + name, dst = to + "/" + name
            let attrs = try fm.attributesOfItem(atPath: src)
            switch attrs[.type] as? FileAttributeType {
            case .typeDirectory?: try copyTree(src, to: dst, link: doLink)
            case .typeSymbolicLink?: try fm.createSymbolicLink(atPath: dst, withDestinationPath: try fm.destinationOfSymbolicLink(atPath: src))
            default:
                if doLink, Glibc.link(src, dst) == 0 { continue }
                try fm.copyItem(atPath: src, toPath: dst)
                // A copy is the user's: writable by them, whatever the store's modes were.
                chmod(dst, mode_t(((attrs[.posixPermissions] as? NSNumber)?.uint16Value ?? 0o444) | 0o200))
            }
        }
        chmod(to, 0o755)
    }
}
