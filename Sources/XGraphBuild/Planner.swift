import Foundation
import XGraphCore
import XGraphGraph
import XGraphKeys
import XGraphStore

/// The planner (the rebuilder of *Build Systems à la Carte*): an expanded graph and a look at
/// the store → each selected node's key, its decision (cached, will run, blocked) with the reason,
/// and the plan's estimates. It runs no process. With `restore` (a build) it may bring a lost
/// artifact back from the store's blobs; without it (`plan`, `status`, `results`, `report`,
/// `explain`) it writes nothing. `Builder` uses it before running anything.
public struct Planner: Sendable {
    public let graph: Graph
    public let store: Store
    /// Forced nodes, the builtin version, and this machine's limits (for blocked nodes and the
    /// wall-time estimate).
    public let options: BuildOptions
    /// On a cluster no node is blocked for not fitting this machine.
    let onCluster: Bool
    private let deferredHistory: Deferred<DurationHistory>
    /// Asks the remote cache about a node that must run here (`plan`, `pull`): its output and
    /// the bytes to fetch, so the nodes below it get keys too. A build leaves it nil: its keys
    /// must come from outputs really in the store (BuildRun fetches as nodes become ready).
    public var remoteLookup: (@Sendable (NodeKey) -> (output: Digest, bytes: Int64)?)?

    public init(graph: Graph, store: Store, options: BuildOptions, onCluster: Bool = false,
                history: @autoclosure @escaping @Sendable () -> DurationHistory = DurationHistory()) {
        self.graph = graph; self.store = store; self.options = options; self.onCluster = onCluster
        self.deferredHistory = Deferred(history)
    }

    /// A planner for queries and status: the current builtins, no machine limits (the nodes
    /// may run on a cluster), `force` as given.
    public static func forQueries(graph: Graph, store: Store, force: [String] = [],
                                  history: @autoclosure @escaping @Sendable () -> DurationHistory = DurationHistory()) -> Planner {
        var options = BuildOptions(force: force, cpus: Resources.maxCPUs, memMB: Int.max / 2, builtinVersion: BuiltinSteps.version)
        options.findGPUs { (Array(0..<Resources.maxGPUs), nil) }
        return Planner(graph: graph, store: store, options: options, onCluster: true, history: history())
    }

    /// Seconds per node id from earlier runs (the results index): read only when an estimate
    /// is wanted.
    public var history: DurationHistory { deferredHistory.value }

    func makeRebuilder(selection: [Int], restore: Bool) throws -> Rebuilder {
        let forced = options.force.isEmpty ? [] : Set(try graph.matching(options.force))
        let r = Rebuilder(graph: graph, store: store, forced: forced, builtinVersion: options.builtinVersion, restore: restore,
                          givenCode: options.codeDigests)
        try r.digestCode(of: selection)
        return r
    }

    /// A step that can never fit this machine is an error before anything runs, not a hang.
    func unfittable(_ i: Int) -> String? {
        // On Slurm the cluster's partitions decide, checked with sinfo before submitting.
        if onCluster { return nil }
        let r = graph.nodes[i].resources
        // `r.gpus > 0` first: asking for the GPU count may run nvidia-smi.
        if r.gpus > 0 && r.gpus > options.gpuIDs.count {
            return "needs \(r.gpus) GPU\(r.gpus == 1 ? "" : "s"), this machine has \(options.gpuIDs.count) (--gpus, CUDA_VISIBLE_DEVICES)"
        }
        if r.cpus > options.cpus { return "needs \(r.cpus) CPUs, this machine has \(options.cpus)" }
        if r.memMB > options.memMB { return "needs \(r.memMB) MB of memory, this machine has \(options.memMB) MB" }
        return nil
    }


    /// Decides every selected node without running anything. Nodes downstream of one that will
    /// run have no key yet: their outcome depends on the bytes their inputs will produce.
    public func plan(selection: [Int]) throws -> Plan {
        try planned(selection: selection, rebuilder: try makeRebuilder(selection: selection, restore: false), estimated: true)
    }

    func planned(selection: [Int], rebuilder: Rebuilder, estimated: Bool) throws -> Plan {
        // Indexed by node: arrays, not dictionaries, since this runs for every node of a null build.
        var outputs = [Digest?](repeating: nil, count: graph.nodes.count)
        var pending = [Bool](repeating: false, count: graph.nodes.count)
        var blocked = [Bool](repeating: false, count: graph.nodes.count)
        var entries: [PlanEntry] = []
        entries.reserveCapacity(selection.count)
        for i in selection {
            // Fields read through the array, not a copy of the node: copying a Node retains
            // every field, a measurable part of a null build's per-node cost.
            let id = graph.nodes[i].id
            if case .source = graph.nodes[i].kind {
                do {
                    let fp = try rebuilder.fingerprint(i)
                    outputs[i] = fp
                    entries.append(PlanEntry(node: id, status: .cached, key: nil, output: fp))
                } catch let e as XGraphError {
                    pending[i] = true; blocked[i] = true
                    entries.append(PlanEntry(node: id, status: .blocked(Self.message(e)), key: nil, output: nil))
                }
                continue
            }
            var inputDigests: [String: Digest] = [:]
            var rebuilt: [String] = []
            var blockedBy: String?
            for edge in graph.nodes[i].inputs {
                let j = graph.index(of: edge.node)!
                if let d = outputs[j] { inputDigests[edge.name] = d }
                else if pending[j] {
                    if blocked[j] { blockedBy = edge.node }
                    rebuilt.append(edge.node)
                }
            }
            if let by = blockedBy {
                pending[i] = true; blocked[i] = true
                entries.append(PlanEntry(node: id, status: .blocked("input \(by) is blocked"), key: nil, output: nil))
                continue
            }
            // A node that must run but can never fit this machine is blocked. Cached nodes are
            // not asked: a result made on a bigger machine is reused anywhere.
            func blockUnfittable() -> Bool {
                guard let why = unfittable(i) else { return false }
                pending[i] = true; blocked[i] = true
                entries.append(PlanEntry(node: id, status: .blocked(why), key: nil, output: nil))
                return true
            }
            if !rebuilt.isEmpty {
                if blockUnfittable() { continue }
                pending[i] = true
                // A node this store never built says so, whatever its inputs do.
                let reason: RunReason = rebuilder.forced.contains(i) ? .forced
                    : store.lastKey(forNode: id) == nil ? .neverBuilt : .inputRebuilt(rebuilt)
                entries.append(PlanEntry(node: id, status: .willRun(reason), key: nil, output: nil))
                continue
            }
            let key = try rebuilder.key(i, inputDigests: inputDigests)
            if let out = rebuilder.cachedOutput(i, key: key) {
                outputs[i] = out
                entries.append(PlanEntry(node: id, status: .cached, key: key, output: out))
            } else if let hit = remoteLookup?(key) {
                outputs[i] = hit.output
                entries.append(PlanEntry(node: id, status: .willRun(.cachedOnRemote(bytes: hit.bytes)), key: key, output: nil))
            } else if !blockUnfittable() {
                pending[i] = true
                entries.append(PlanEntry(node: id, status: .willRun(rebuilder.reason(i, key: key)), key: key, output: nil))
            }
        }
        guard estimated else { return Plan(entries: entries, estimates: [:], gpuHours: 0, wallSeconds: 0) }
        return estimate(entries: entries, selection: selection)
    }

    public static func message(_ e: XGraphError) -> String {
        let d = e.description
        return d.hasPrefix("error: ") ? String(d.dropFirst(7)) : d
    }


    /// Adds duration estimates: GPU-hours of what will run, and a wall time that is the longer of
    /// the critical path through it and its total work spread over the machine's slots.
    func estimate(entries: [PlanEntry], selection: [Int]) -> Plan {
        var est: [String: Double] = [:]
        var finish: [Int: Double] = [:]
        var gpuSeconds = 0.0, cpuSeconds = 0.0, jobSeconds = 0.0, critical = 0.0, unknown = 0
        for (entry, i) in zip(entries, selection) {
            // A node the remote cache has is fetched, not run: it costs no GPU time.
            guard case .willRun(let reason) = entry.status, !reason.isOnRemote else { continue }
            let node = graph.nodes[i]
            guard let s = history.known(node) else { unknown += 1; continue }
            est[node.id] = s
            gpuSeconds += s * Double(node.resources.gpus)
            cpuSeconds += s * Double(node.resources.cpus)
            jobSeconds += s
            let start = graph.dependencies(of: i).compactMap { finish[$0] }.max() ?? 0
            finish[i] = start + s
            critical = max(critical, start + s)
        }
        var wall = max(critical, cpuSeconds / Double(options.cpus), jobSeconds / Double(options.jobs))
        if gpuSeconds > 0, !options.gpuIDs.isEmpty { wall = max(wall, gpuSeconds / Double(options.gpuIDs.count)) }
        return Plan(entries: entries, estimates: est, gpuHours: gpuSeconds / 3600, wallSeconds: wall, unestimated: unknown)
    }
}
