import Foundation
import XGraphCore
import XGraphResults
import XGraphStore

/// The results index of a store, brought up to date with its action records, plus the
/// context queries need (the current graph's node names, the git repository for revisions).
public struct ResultsContext {
    public let index: ResultsIndex
    public let store: Store
    public let nodes: Set<String>?
    /// The experiment file's workspace, whose plan gives its nodes' current keys.
    let workspace: Workspace?
    public let repoPath: String

    /// The experiment file's current nodes and plan (see `Workspace.currentPlan`), with the
    /// duration history for estimates; nil without a file. The history is read only when
    /// something is left to run: a fully built study needs no estimate.
    public func currentPlan() throws -> (nodes: [CurrentNode], plan: Plan)? {
        guard let workspace else { return nil }
        return try workspace.currentPlan(history: workspace.durationHistory())
    }

    /// The experiment file's path as given; nil without one.
    public var specPath: String? { workspace?.specPath }

    public static func open(file: String?, storePath: String?) throws -> ResultsContext {
        let cwd = FileManager.default.currentDirectoryPath
        if let file {
            let ws = try Workspace.open(file: file, storePath: storePath)
            let index = try ws.resultsIndex()
            // Revisions resolve where the build read its commit: the experiment file's
            // repository, which need not be the one of the folder xgraph runs in.
            return ResultsContext(index: index, store: ws.store, nodes: Set(ws.graph.nodes.map(\.id)),
                                  workspace: ws, repoPath: (ws.specPath as NSString).deletingLastPathComponent)
        }
        let store = try Workspace.openStore(storePath)
        let index = try ResultsIndex(path: store.resultsIndexPath)
        try index.sync(with: store)
        return ResultsContext(index: index, store: store, nodes: nil, workspace: nil,
                              repoPath: GitProvenance.workTreeRoot(at: cwd) ?? cwd)
    }

    /// A revision as git understands it (HEAD~1, a branch, a short hash), else the text itself as a
    /// hash prefix.
    public func resolve(_ rev: String) -> String {
        GitProvenance.resolve(rev, at: repoPath) ?? rev
    }

    /// Parses `--where 'model=r101,data!=300M'`. With an experiment file and neither a commit
    /// nor `latestOnly` off, each node shows the run of its current key (docs/results-schema.md,
    /// "What results show"); otherwise the runs of the file's node names.
    /// `current`: the file's current nodes when the caller has planned them already.
    public func query(where text: String?, commit: String?, step: String?, latestOnly: Bool,
                      current: [CurrentNode]? = nil) throws -> ResultsQuery {
        var q = ResultsQuery()
        // Planned only here: `--sql`, `--commit` and `--all` need no keys.
        if let workspace, commit == nil, latestOnly {
            q.current = try current ?? workspace.currentNodes()
        } else {
            q.nodes = nodes
        }
        q.step = step
        q.latestOnly = latestOnly
        q.commit = commit.map(resolve)
        for clause in (text ?? "").split(separator: ",") {
            let c = clause.trimmingCharacters(in: .whitespaces)
            if let r = c.range(of: "!=") {
                q.filters.append(.init(axis: String(c[..<r.lowerBound]), op: .notEqual, value: String(c[r.upperBound...])))
            } else if let r = c.range(of: "=") {
                q.filters.append(.init(axis: String(c[..<r.lowerBound]), op: .equal, value: String(c[r.upperBound...])))
            } else {
                throw XGraphError.usage("--where \(text ?? ""): each clause is AXIS=VALUE or AXIS!=VALUE")
            }
        }
        return q
    }
}

extension Workspace {
    /// Every node that runs (datasets do not), with the key it has as the files and the store
    /// stand now: the dry run `plan` makes, so nothing runs. A node downstream of one that
    /// must run has no key yet.
    public func currentNodes() throws -> [CurrentNode] {
        try currentPlan(history: DurationHistory()).nodes
    }

    /// `currentNodes` and the plan they come from, whose estimates (GPU-hours, wall time) use
    /// `history`: one dry run for both, which `xgraph report` needs.
    public func currentPlan(history: @autoclosure @escaping @Sendable () -> DurationHistory) throws
        -> (nodes: [CurrentNode], plan: Plan) {
        let planner = Planner(graph: graph, store: store, options: BuildOptions(builtinVersion: BuiltinSteps.version),
                              history: history())
        let plan = try planner.plan(selection: Array(graph.nodes.indices))
        // The plan has one entry per selected node, in selection order.
        return (ResultsContext.currentNodes(graph, plan), plan)
    }

    /// The results index, synced with the store's records.
    public func resultsIndex() throws -> ResultsIndex {
        let index = try ResultsIndex(path: resultsIndexPath)
        try index.sync(with: store)
        return index
    }

    /// Durations of earlier runs for the critical path; empty when the index does not exist yet.
    public func durationHistory() -> DurationHistory {
        guard FileManager.default.fileExists(atPath: resultsIndexPath),
              let index = try? ResultsIndex(path: resultsIndexPath) else { return DurationHistory() }
        var h = DurationHistory()
        // The axis that ranges over subsets, per step: its label is the data size.
        var sizeAxis: [String: String?] = [:]
        for n in graph.nodes where sizeAxis[n.step] == nil {
            // updateValue, not a subscript assignment: assigning nil would store nothing, and a
            // step without a subset axis would never be looked up.
            sizeAxis.updateValue(n.axes.first { n.params[$0.axis]?["kind"]?.stringValue == "subset" }?.axis,
                                 forKey: n.step)
        }
        for (step, axis) in sizeAxis {
            guard let runs = try? index.durations(step: step, axis: axis) else { continue }
            for r in runs {
                h.byNode[r.node] = r.seconds
                let size = r.value.flatMap(SizeLabel.parse).map(Double.init)
                h.byStep[step, default: []].append((size, r.seconds))
            }
        }
        return h
    }

    /// A record sink (`BuildOptions.records`) that adds a build's new records to this store's
    /// results index as they come, so the next plan knows their durations; a null build
    /// touches nothing.
    public func indexWriter() -> IndexWriter { IndexWriter(path: resultsIndexPath) }
}

/// Adds a build's new action records to the results index in batches of `batchSize`, as nodes
/// finish, and the rest at `flush`. A build used to keep every record it wrote until it ended
/// and index them all then: with params, key parts and metrics, that was most of the memory of
/// a 50k-node build. Best effort, as before: the index is derived data, and `results` syncs it
/// with the store's records anyway. Nothing is opened until the first batch, so a null build
/// touches no index.
public final class IndexWriter: RecordSink, @unchecked Sendable {
    public let path: String
    public let batchSize: Int
    /// Guards `pending`; never held while writing, so finishing nodes do not wait for SQLite.
    private let lock = NSLock()
    private var pending: [ActionRecord] = []
    /// One batch written at a time; guards `index` and `openFailed`.
    private let writing = NSLock()
    private var index: ResultsIndex?
    private var openFailed = false

    public init(path: String, batchSize: Int = 256) {
        self.path = path; self.batchSize = max(1, batchSize)
    }

    public func recorded(_ record: ActionRecord) {
        let full: [ActionRecord]? = lock.withLock {
            pending.append(record)
            guard pending.count >= batchSize else { return nil }
            defer { pending = [] }
            return pending
        }
        if let full { write(full) }
    }

    public func flush() {
        write(lock.withLock { defer { pending = [] }; return pending })
    }

    private func write(_ batch: [ActionRecord]) {
        guard !batch.isEmpty else { return }
        writing.withLock {
            if index == nil && !openFailed {
                index = try? ResultsIndex(path: path)
                openFailed = index == nil
            }
            _ = try? index?.add(batch)
        }
    }
}
