import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphRemote

struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Fetch from the remote cache every selected node this store lacks and the remote has, without running anything.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var experiment: ExperimentArguments
    @OptionGroup var remote: RemoteOptions

    @OptionGroup var transfer: TransferOptions
    var jobs: Int { transfer.jobs }

    func run() async throws {
        do {
            let ws = try Workspace.open(file: experiment.file, storePath: store.store)
            let cache = try remote.openForTransfer(ws, push: false)
            // The plan's remote lookups chain: a node's key needs its inputs' outputs, which the
            // remote's records name. Each node found is then fetched on its own (a record needs
            // only its own artifact), several at once.
            var planner = Planner.forQueries(graph: ws.graph, store: ws.store)
            let storeRef = ws.store
            planner.remoteLookup = { key in cache.lookup(key.key, store: storeRef).map { ($0.record.output, $0.bytesToFetch) } }
            let plan = try planner.plan(selection: try ws.selection(experiment.targets))
            var wanted: [(node: String, key: Digest)] = []
            var here = 0, missing = 0
            for e in plan.entries {
                switch e.status {
                case .cached: if e.key != nil { here += 1 }
                case .willRun(.cachedOnRemote): if let k = e.key { wanted.append((e.node, k.key)) }
                default: missing += 1
                }
            }
            if let down = cache.downReason { throw XGraphError.io("pull stopped: \(down)") }
            let (r, line) = try Outcomes.transfer(wanted, verb: "pull", jobs: jobs, cache: cache) { key, progress in
                cache.fetch(key, into: storeRef, progress: progress) != nil ? .done : .failed("not fetched (see the warning above)")
            }
            var text = "pulled \(r.done) node\(r.done == 1 ? "" : "s") (\(ByteSize.text(line.bytes.bytes)), \(line.rate)), \(here) already here"
            if missing > 0 { text += ", \(missing) not on the remote" }
            print(text)
            XGraph.finish(r.failed.isEmpty ? 0 : 1)
        } catch {
            XGraph.fail(error)
        }
    }
}
