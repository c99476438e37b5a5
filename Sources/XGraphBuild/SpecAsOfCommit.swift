import Foundation
import XGraphCore
import XGraphGraph
import XGraphResults
import XGraphSpec
import XGraphStore

/// The experiment file's nodes with the keys they had as of a commit: the file, the files it
/// includes and its `code:` as that commit holds them (read from git's objects, `GitSnapshot`),
/// datasets and the store as they are. A node's result "as of commit A" is then the run of that
/// key, wherever and whenever it was recorded: a node cached from an older commit still has its
/// numbers, which a comparison of the runs *recorded at* A (`diff A B` without a file) misses.
public struct NodesAsOf: Sendable {
    /// The full commit id.
    public var commit: String
    /// As the user wrote it (`HEAD~1`).
    public var revision: String
    public var nodes: [CurrentNode]
    /// What the commit did not hold and was read from the disk as it is now (an untracked
    /// `code:` file or include), for the footer.
    public var fromDisk: [String]
}

extension ResultsContext {
    public func nodes(asOf revision: String) throws -> NodesAsOf {
        guard let workspace else { throw XGraphError.usage("resolving nodes as of a commit needs the experiment file") }
        let specPath = workspace.specPath
        let name = (specPath as NSString).lastPathComponent
        guard let snapshot = GitSnapshot(at: (specPath as NSString).deletingLastPathComponent, revision: revision) else {
            throw XGraphError.usage("'\(revision)' names no commit in the git repository of \(name)")
        }
        let short = String(snapshot.commit.prefix(10))
        guard snapshot.contents(of: specPath) != nil else {
            throw XGraphError.usage("\(name) is not in commit \(short) (\(revision)): it was added later or never committed; "
                + "diff compares the experiment file as each commit holds it")
        }
        var fromDisk: [String] = []
        // An include the commit does not hold (untracked, or outside the repository) is read as
        // the build at that commit read it: from the disk, as it is now.
        let spec: Spec
        do {
            spec = try SpecLoader.load(path: specPath, reading: { path in
                if let data = snapshot.contents(of: path) { return data }
                let data = FileManager.default.contents(atPath: path)
                if data != nil { fromDisk.append(path) }
                return data
            })
        } catch let error as XGraphError {
            throw XGraphError.usage("\(name) as of commit \(short) (\(revision)) does not load with this xgraph: \(error.description)")
        }
        let graph = try Expander.expand(spec)
        var code: [String: Digest] = [:]
        for path in Set(graph.nodes.flatMap(\.code)) {
            if let d = snapshot.codeDigest(of: path) { code[path] = d } else { fromDisk.append(path) }
        }
        var options = BuildOptions(builtinVersion: BuiltinSteps.version)
        options.codeDigests = code
        let planner = Planner(graph: graph, store: workspace.store, options: options)
        let plan = try planner.plan(selection: Array(graph.nodes.indices))
        let root = snapshot.workTree + "/"
        return NodesAsOf(commit: snapshot.commit, revision: revision, nodes: Self.currentNodes(graph, plan),
                         fromDisk: Array(Set(fromDisk)).sorted().map { $0.hasPrefix(root) ? String($0.dropFirst(root.count)) : $0 })
    }

    /// Each node that runs (datasets do not) with its key in `plan` (one entry per node, in order).
    static func currentNodes(_ graph: Graph, _ plan: Plan) -> [CurrentNode] {
        zip(graph.nodes, plan.entries).compactMap { node, entry -> CurrentNode? in
            if case .source = node.kind { return nil }
            return CurrentNode(node: node.id, step: node.step,
                               axes: node.axes.map { AxisEntry(name: $0.axis, value: $0.value) },
                               key: entry.key?.key.hex)
        }
    }
}
