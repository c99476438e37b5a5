import Foundation
import XGraphCore
import XGraphExecutors
import XGraphGraph
import XGraphKeys
import XGraphScheduler
import XGraphStore

/// One `xgraph build`: the scheduler's delegate. It decides each ready node against the store
/// (cached, or run), hands the ones that must run to the execution back-end, retries what may
/// be retried and keeps what each outcome says (outputs, summary, progress).
final class BuildRun: SchedulerDelegate, @unchecked Sendable {
    let builder: Builder
    let rebuilder: Rebuilder
    /// Where nodes that must run go: this machine, or Slurm (ExecutionBackend).
    let backend: any ExecutionBackend
    let selection: [Int]
    let lock = NSLock()
    var outputs: [Int: Digest] = [:]
    var keys: [Int: NodeKey] = [:]
    var summary = BuildSummary()
    var ranSet: Set<Int> = []

    var graph: Graph { builder.graph }
    var store: Store { builder.store }

    /// - Parameter plan: the plan this build starts from; the keys it already computed (nodes
    ///   whose inputs were all cached) are reused rather than hashed again.
    init(builder: Builder, rebuilder: Rebuilder, selection: [Int], plan: Plan) {
        self.builder = builder; self.rebuilder = rebuilder; self.selection = selection
        self.backend = builder.backend(rebuilder: rebuilder)
        for (i, entry) in zip(selection, plan.entries) where entry.key != nil { keys[i] = entry.key }
    }

    func execute() async -> BuildSummary {
        var tasks: [SchedTask] = []
        tasks.reserveCapacity(selection.count)
        for i in selection {
            let node = graph.nodes[i]
            var res = backend.reservation(for: node)
            if case .source = node.kind { res = Resources(gpus: 0, cpus: 0, memMB: 0) }
            tasks.append(SchedTask(id: node.id, deps: node.inputs.map(\.node), resources: res,
                                   mutex: node.mutex, group: node.maxParallel == nil ? nil : node.step,
                                   duration: builder.history.estimate(node)))
        }
        lock.withLock { summary.selected = selection.count }
        builder.observer.event(.planned(total: selection.count, toRun: selection.count))
        var estimates: [String: Double] = [:]
        for t in tasks where t.duration > 0 { estimates[t.id] = t.duration }
        builder.observer.event(.estimated(estimates))
        // `max_parallel` limits a step: its jobs form one group of the pool.
        var limits: [String: Int] = [:]
        for i in selection { if let m = graph.nodes[i].maxParallel { limits[graph.nodes[i].step] = m } }
        let scheduler = Scheduler(pool: ResourcePool(gpuIDs: builder.options.gpuIDs, cpus: builder.options.cpus,
                                                     memMB: builder.options.memMB, limits: limits),
                                  options: SchedulerOptions(keepGoing: builder.options.keepGoing,
                                                            maxJobs: backend.maxInFlight(builder.options)))
        let outcome = await scheduler.run(tasks, delegate: self)
        try? store.saveDigestCache()
        builder.options.records?.flush()
        return lock.withLock {
            for (node, by) in outcome.blocked.sorted(by: { $0.key < $1.key }) { summary.blocked.append((node, by)) }
            summary.notStarted = outcome.notStarted.sorted()
            summary.cancelled = outcome.cancelled
            return summary
        }
    }

    // MARK: SchedulerDelegate

    func event(_ e: SchedulerEvent) async {
        if case .blocked(let task, let by) = e { builder.observer.event(.blocked(node: task, by: by)) }
    }

    func prepare(_ task: String) async -> Preparation {
        guard let i = graph.index(of: task) else { return .done(succeeded: false) }
        let node = graph.nodes[i]
        await backend.deciding(node)
        let decision = await decide(i, task: task)
        if case .done = decision { await backend.decided(node, willRun: false) }
        return decision
    }

    /// Whether node `i` runs: its record (or the remote cache's) decides it otherwise.
    private func decide(_ i: Int, task: String) async -> Preparation {
        let node = graph.nodes[i]
        if case .source = node.kind {
            do {
                let fp = try rebuilder.fingerprint(i)
                lock.withLock { outputs[i] = fp; summary.cached += 1 }
                return .done(succeeded: true)
            } catch {
                fail(i, status: Builder.message(error as? XGraphError ?? .io("\(error)")), log: nil)
                return .done(succeeded: false)
            }
        }
        do {
            let planned = lock.withLock { keys[i] != nil }
            let key = try currentKey(i)
            // A key the plan could not know (its inputs ran in this build) is pinned before it
            // is looked up, so a gc cannot delete the record this build is about to reuse.
            if !planned { try store.pin([key.key]) }
            if let out = await fetchFromRemote(i, key: key) {
                markCached(i, out, fetched: true)
                return .done(succeeded: true)
            }
            var waited = false
            while true {
                if let out = rebuilder.cachedOutput(i, key: key) {
                    markCached(i, out, waited: waited)
                    return .done(succeeded: true)
                }
                // Another build on this store is running this very node: wait for its record
                // rather than run it twice.
                guard let holder = store.leaseHolder(key: key.key) else { return .run }
                if !waited { builder.observer.event(.waiting(node: task, reason: "running in process \(holder.pid) on \(holder.host)")) }
                waited = true
                try await Task.sleep(nanoseconds: 500_000_000)
            }
        } catch is CancellationError {
            return .done(succeeded: false)
        } catch {
            fail(i, status: Builder.message(error as? XGraphError ?? .io("\(error)")), log: nil)
            return .done(succeeded: false)
        }
    }

    func execute(_ task: String, allocation: Allocation) async -> Bool {
        guard let i = graph.index(of: task) else { return false }
        let node = graph.nodes[i]
        guard let key = lock.withLock({ keys[i] }) else { return false }
        var attempt = 1
        // Its inputs are all decided before it is scheduled, so one look serves every attempt.
        let (inputPaths, inputArtifacts) = (inputPaths(node), inputArtifacts(node))
        while true {
            if Task.isCancelled { return false }
            let outcome = await backend.attempt(NodeAttempt(index: i, node: node, key: key, allocation: allocation,
                                                                   number: attempt, inputPaths: inputPaths,
                                                                   inputArtifacts: inputArtifacts))
            settle(i, outcome)
            switch outcome {
            case .succeeded: return true
            case .cachedMeanwhile: return true
            case .cancelled: return false
            case .failed(let status, let log, let retryable):
                let retry = retryable && attempt <= node.retries
                builder.observer.event(.failed(node: node.id, status: status, log: log, willRetry: retry))
                if !retry {
                    // The log says which key failed: `status` shows the node as failed while
                    // its key is still the current one.
                    if let log { NodeRunner.appendLog(log, LogTail.failedLine(key: key.key, status: status) + "\n") }
                    fail(i, status: status, log: log, announce: false)
                    return false
                }
                // Doubling per attempt, at most ten minutes: a step may ask for up to 100 retries.
                let backoff = min(600, builder.options.retryBackoff * pow(2, Double(min(attempt - 1, 32))))
                try? await Task.sleep(for: .seconds(max(0, backoff)))
                attempt += 1
            }
        }
    }

    // MARK: Steps of one node

    /// What an attempt's outcome changes in what this build knows, whichever back-end ran it.
    private func settle(_ i: Int, _ outcome: AttemptOutcome) {
        switch outcome {
        case .succeeded(let record, let seconds):
            let node = graph.nodes[i]
            lock.withLock { outputs[i] = record.output; summary.ran.append(node.id); ranSet.insert(i); keys[i] = nil }
            builder.options.records?.recorded(record)
            builder.observer.event(.finished(node: node.id, seconds: seconds))
        case .cachedMeanwhile(let output, let waited):
            if let output { markCached(i, output, waited: waited) }
        case .cancelled, .failed:
            break
        }
    }

    /// The store artifacts a node reads (datasets are the user's files, not the store's).
    private func inputArtifacts(_ node: Node) -> [Digest] {
        node.inputs.compactMap { edge in
            guard let j = graph.index(of: edge.node) else { return nil }
            if case .source = graph.nodes[j].kind { return nil }
            return lock.withLock { outputs[j] }
        }
    }

    private func inputPaths(_ node: Node) -> [String: String] {
        var paths: [String: String] = [:]
        for edge in node.inputs {
            guard let j = graph.index(of: edge.node) else { continue }
            if case .source(let path, _) = graph.nodes[j].kind { paths[edge.name] = path; continue }
            // Every input has its output before its reader is scheduled, except one that another
            // head's Slurm job recorded unreadably: a cluster back-end never reads these paths.
            if let out = lock.withLock({ outputs[j] }) { paths[edge.name] = store.artifactPath(out) }
        }
        return paths
    }

    private func currentKey(_ i: Int) throws -> NodeKey {
        // A planned key stays right: the inputs it hashed were cached, and records never change.
        if let planned = lock.withLock({ keys[i] }) { return planned }
        let node = graph.nodes[i]
        var inputDigests: [String: Digest] = [:]
        lock.withLock {
            for edge in node.inputs { inputDigests[edge.name] = outputs[graph.index(of: edge.node)!] }
        }
        let key = try rebuilder.key(i, inputDigests: inputDigests)
        lock.withLock { keys[i] = key }
        return key
    }

    /// - Parameter waited: this build waited for another build that held the node's lease, so
    ///   the record found is that build's work, not an early cutoff of this one.
    func markCached(_ i: Int, _ out: Digest, waited: Bool = false, fetched: Bool = false) {
        let node = graph.nodes[i]
        let hit = lock.withLock { () -> CacheHit in
            outputs[i] = out
            // Decided: its key (every part's text) is not needed again.
            keys[i] = nil
            summary.cached += 1
            if fetched { summary.fetched.append(node.id); return .fetched }
            if waited { summary.builtElsewhere.append(node.id); return .builtElsewhere }
            guard node.inputs.contains(where: { ranSet.contains(graph.index(of: $0.node)!) }) else { return .upToDate }
            if backend.mayHaveRunElsewhere(node) {
                summary.builtElsewhere.append(node.id); return .builtElsewhere
            }
            summary.cutOff.append(node.id)
            return .cutOff
        }
        builder.observer.event(.cached(node: node.id, hit: hit))
    }

    func fail(_ i: Int, status: String, log: String?, announce: Bool = true) {
        let id = graph.nodes[i].id
        lock.withLock { summary.failed.append((id, log, status)) }
        if announce { builder.observer.event(.failed(node: id, status: status, log: log, willRetry: false)) }
    }
}
