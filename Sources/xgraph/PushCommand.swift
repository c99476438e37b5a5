import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphRemote

struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Copy the nodes built in this store (records, trees, blobs) to the remote cache.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var experiment: ExperimentArguments
    @OptionGroup var remote: RemoteOptions

    @OptionGroup var transfer: TransferOptions
    var jobs: Int { transfer.jobs }

    func run() async throws {
        do {
            let ws = try Workspace.open(file: experiment.file, storePath: store.store)
            let cache = try remote.openForTransfer(ws, push: true)
            let plan = try Planner.forQueries(graph: ws.graph, store: ws.store).plan(selection: try ws.selection(experiment.targets))
            var keys: [(node: String, key: Digest)] = []
            var notBuilt = 0
            for e in plan.entries {
                if case .cached = e.status, let k = e.key { keys.append((e.node, k.key)) }
                else if e.key != nil || e.output == nil { notBuilt += 1 }
            }
            let storeRef = ws.store
            let (r, line) = try Outcomes.transfer(keys, verb: "push", jobs: jobs, cache: cache) { key, progress in
                do { return try cache.push(key, from: storeRef, progress: progress) == .alreadyThere ? .already : .done }
                catch { return .failed("\(error)") }
            }
            var text = "pushed \(r.done) node\(r.done == 1 ? "" : "s") (\(ByteSize.text(line.bytes.bytes)), \(line.rate)), \(r.already) already on the remote"
            if notBuilt > 0 { text += ", \(notBuilt) not built in this store (build them first)" }
            print(text)
            XGraph.finish(r.failed.isEmpty ? 0 : 1)
        } catch {
            XGraph.fail(error)
        }
    }
}

/// What happened to each node of a push or pull, from several threads.
final class Outcomes: @unchecked Sendable {
    enum Kind { case done, already, failed(String) }
    private let lock = NSLock()
    private var done = 0, already = 0
    private var failed: [(String, String)] = []

    func add(_ k: Kind, node: String) {
        lock.withLock {
            switch k {
            case .done: done += 1
            case .already: already += 1
            case .failed(let why): failed.append((node, why))
            }
        }
    }

    func snapshot() -> (done: Int, already: Int, failed: [(String, String)]) {
        lock.withLock { (done, already, failed.sorted { $0.0 < $1.0 }) }
    }

    /// Moves each node of `work` with `one`, `jobs` at a time, under one progress line; then
    /// stops with the remote's reason if it went down, else prints each failure. The caller
    /// prints the summary.
    static func transfer(_ work: [(node: String, key: Digest)], verb: String, jobs: Int, cache: RemoteCache,
                         _ one: @escaping @Sendable (Digest, TransferProgress) -> Kind) throws
        -> (outcomes: (done: Int, already: Int, failed: [(String, String)]), line: TransferLine) {
        let line = TransferLine(verb: verb, total: work.count)
        let outcomes = Outcomes()
        ParallelWork.run(count: work.count, jobs: jobs) { i in
            outcomes.add(one(work[i].key, line.bytes), node: work[i].node)
            line.nodeDone()
        }
        line.finish()
        if let down = cache.downReason { throw XGraphError.io("\(verb) stopped: \(down)") }
        let r = outcomes.snapshot()
        for (node, why) in r.failed { print("failed: \(node): \(why)") }
        return (r, line)
    }
}
