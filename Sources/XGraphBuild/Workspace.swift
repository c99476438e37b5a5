import Foundation
import XGraphCore
import XGraphGraph
import XGraphResults
import XGraphSpec
import XGraphStore

/// Everything a command needs about one experiment: the loaded and expanded graph, the store,
/// and where the project lives. Opening it runs no process.
public struct Workspace: Sendable {
    public let specPath: String
    public let graph: Graph
    public let store: Store
    /// The folder whose `cache/` is the default store: the git work tree around the current
    /// folder, or the current folder outside git.
    public let projectRoot: String
    /// The executor the file asks for (`executor:`), if it names one.
    public let executor: ExecutorKind?
    /// The remote cache the file names (`remote:`), if any (RemoteSetup resolves it).
    public var remote: RemoteSpec? = nil

    public static let defaultFile = "xgraph.yaml"

    /// - Parameters:
    ///   - file: the experiment file; nil means `xgraph.yaml` in the current folder.
    ///   - storePath: `--store`; nil means `$XGRAPH_STORE`, else `cache/` at the project root.
    public static func open(file: String?, storePath: String?) throws -> Workspace {
        let cwd = FileManager.default.currentDirectoryPath
        let path = absolute(file ?? defaultFile, in: cwd)
        guard FileManager.default.fileExists(atPath: path) else {
            if file == nil {
                throw XGraphError.usage("no experiment file given and no \(defaultFile) here; try `xgraph build experiments/NAME.yaml`")
            }
            throw XGraphError.usage("experiment file \(file!) does not exist")
        }
        let root = GitProvenance.workTreeRoot(at: cwd) ?? cwd
        let storePath = storeRoot(storePath, projectRoot: root, cwd: cwd)
        // The store's indexes are read on the other core while the file is loaded and expanded.
        let preload = StoreIndexPreload(root: storePath)
        let spec = try SpecLoader.load(path: path)
        let graph = try Expander.expand(spec)
        let store = try Store(root: storePath)
        preload.deliver(to: store)
        return Workspace(specPath: path, graph: graph, store: store, projectRoot: root, executor: spec.executor, remote: spec.remote)
    }

    /// Opens only the store, for commands that need no experiment file (`verify`, `logs`, `results`).
    public static func openStore(_ storePath: String?) throws -> Store {
        let cwd = FileManager.default.currentDirectoryPath
        let root = GitProvenance.workTreeRoot(at: cwd) ?? cwd
        return try Store(root: storeRoot(storePath, projectRoot: root, cwd: cwd))
    }

    static func storeRoot(_ option: String?, projectRoot: String, cwd: String) -> String {
        if let o = option, !o.isEmpty { return absolute(o, in: cwd) }
        if let e = ProcessInfo.processInfo.environment["XGRAPH_STORE"], !e.isEmpty { return absolute(e, in: cwd) }
        return projectRoot + "/cache"
    }

    public static func absolute(_ p: String, in dir: String) -> String {
        let url = p.hasPrefix("/") ? URL(fileURLWithPath: p) : URL(fileURLWithPath: dir).appendingPathComponent(p)
        return url.standardizedFileURL.path
    }

    /// The selected nodes: all of them, or the targets' globs plus their dependencies.
    public func selection(_ targets: [String]) throws -> [Int] {
        targets.isEmpty ? Array(graph.nodes.indices) : try graph.select(targets)
    }

    /// The git state of the experiment's folder, read once per build through libgit2.
    public func provenance() -> BuildProvenance {
        let dir = (specPath as NSString).deletingLastPathComponent
        // The store's own writes are not uncommitted changes, even without its .gitignore.
        guard let g = GitProvenance.read(at: dir, ignoring: [store.root]) else {
            return BuildProvenance(gitCommit: nil, gitBranch: nil, gitDirty: nil, gitDiffDigest: nil)
        }
        return BuildProvenance(gitCommit: g.commit, gitBranch: g.branch, gitDirty: g.dirty, gitDiffDigest: g.diffDigest,
                               codeTracking: CodeTracking(dir: dir, ignoring: [store.root]))
    }

    public var resultsIndexPath: String { store.resultsIndexPath }
}
