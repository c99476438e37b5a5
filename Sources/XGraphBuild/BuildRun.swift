import Foundation
import Synchronization
import XGraphCore
import XGraphExecutors
import XGraphGraph
import XGraphKeys
import XGraphScheduler
import XGraphStore

/// One `xgraph build`: the scheduler's delegate. It decides each ready node against the store
/// (cached, or run), runs the ones that must run through the executor and records their outputs.
final class BuildRun: SchedulerDelegate, @unchecked Sendable {
    let builder: Builder
    let rebuilder: Rebuilder
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
        for (i, entry) in zip(selection, plan.entries) where entry.key != nil { keys[i] = entry.key }
    }

    func execute() async -> BuildSummary {
        var tasks: [SchedTask] = []
        tasks.reserveCapacity(selection.count)
        for i in selection {
            let node = graph.nodes[i]
            var res = node.resources
            // Slurm places jobs; here only the cap on queued jobs (and mutexes) limits them.
            if case .source = node.kind { res = Resources(gpus: 0, cpus: 0, memMB: 0) }
            if builder.slurm != nil { res = Resources(gpus: 0, cpus: 0, memMB: 0) }
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
                                                            maxJobs: builder.slurm?.maxQueued ?? builder.options.jobs))
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
                guard let holder = store.leaseHolder(key: key.key) else { return try mayRun(i, key: key) ? .run : .done(succeeded: false) }
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

    /// The node runner of a cluster job runs its one node and nothing else: an input without a
    /// record, or a key other than the one the job was submitted for, fails the job.
    private func mayRun(_ i: Int, key: NodeKey) throws -> Bool {
        guard let single = builder.options.single else { return true }
        let id = graph.nodes[i].id
        if id != single.node {
            fail(i, status: "input \(id) of \(single.node) has no output in the store \(store.root); "
                 + "a node runs on the cluster only after its inputs are recorded (was a record removed?)", log: nil)
            return false
        }
        if let expected = single.key, expected != key.key {
            fail(i, status: "the experiment changed since this job was submitted (key \(expected.hex.prefix(12)) then, "
                 + "\(key.key.hex.prefix(12)) now); nothing was run: build again to submit the current version", log: nil)
            return false
        }
        return true
    }

    func execute(_ task: String, allocation: Allocation) async -> Bool {
        guard let i = graph.index(of: task) else { return false }
        let node = graph.nodes[i]
        guard let key = lock.withLock({ keys[i] }) else { return false }
        var attempt = builder.options.single?.attempt ?? 1
        while true {
            if Task.isCancelled { return false }
            let outcome = builder.slurm != nil
                ? await remoteAttempt(i, node: node, key: key, attempt: attempt)
                : await attemptRun(i, node: node, key: key, allocation: allocation, attempt: attempt)
            switch outcome {
            case .succeeded: return true
            case .cachedMeanwhile: return true
            case .cancelled: return false
            case .failed(let status, let log, let retryable):
                // A node runner never retries: its job is one attempt, and the head resubmits.
                let retry = retryable && builder.options.single == nil && attempt <= node.retries
                builder.observer.event(.failed(node: node.id, status: status, log: log, willRetry: retry))
                if !retry {
                    // The log says which key failed: `status` shows the node as failed while
                    // its key is still the current one.
                    if let log { Self.appendLog(log, LogTail.failedLine(key: key.key, status: status) + "\n") }
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

    /// `retry: false` for failures another attempt cannot mend (its inputs are gone, or what
    /// its key was computed from changed).
    enum AttemptOutcome { case succeeded, cachedMeanwhile, cancelled, failed(String, String?, retry: Bool) }

    private func attemptRun(_ i: Int, node: Node, key: NodeKey, allocation: Allocation, attempt: Int) async -> AttemptOutcome {
        // The lease makes this process the only one running this key; a build killed with -9
        // loses its lease with its life, but its job may still run: wait for that orphan.
        let lease: NodeLease
        do {
            var waited = false
            while true {
                if let out = rebuilder.cachedOutput(i, key: key) { markCached(i, out, waited: waited); return .cachedMeanwhile }
                if let l = try store.tryLease(key: key.key, node: node.id) {
                    if let pgid = l.orphanedProcessGroup {
                        // Hold the lease while the orphan runs, so no other build starts it
                        // either; its output was never recorded, so run the node once it ends.
                        builder.observer.event(.waiting(node: node.id, reason: "an orphaned job (process group \(pgid)) of a killed build is still running"))
                        while ProcessGroup.hasLiveMembers(pgid) { try await Task.sleep(nanoseconds: 250_000_000) }
                    }
                    // Another build may have published this key between the check above and
                    // the lease; now that nobody else can, look once more before running it.
                    if let out = rebuilder.cachedOutput(i, key: key) {
                        l.release()
                        markCached(i, out, waited: true)
                        return .cachedMeanwhile
                    }
                    lease = l
                    break
                }
                if !waited {
                    let holder = store.leaseHolder(key: key.key)
                    builder.observer.event(.waiting(node: node.id, reason: holder.map { "running in process \($0.pid) on \($0.host)" }
                        ?? "its lease (locks/\(key.key.hex).lock in the store) is held by a process that wrote no lease information"))
                    waited = true
                }
                try await Task.sleep(nanoseconds: 500_000_000)
            }
        } catch is CancellationError {
            return .cancelled
        } catch {
            return .failed(Builder.message(error as? XGraphError ?? .io("\(error)")), nil, retry: true)
        }
        defer { lease.release() }

        let logPath: String
        let outDir: String
        do {
            logPath = try builder.options.single?.logPath ?? store.logPath(forNode: node.id, attempt: attempt)
            outDir = try store.makeOutputDirectory(for: node.id)
        } catch {
            return .failed(Builder.message(error as? XGraphError ?? .io("\(error)")), nil, retry: true)
        }
        defer { store.discardOutputDirectory(outDir) }
        do {
            let params = try store.writeParamsFile(node.params.canonicalData, besideLog: logPath)
            let resume = node.resume ? try store.resumeDirectory(forNode: node.id, key: key.key) : nil
            let inputTrees = inputArtifacts(node)
            let paths = CommandRenderer.Paths(inputs: inputPaths(node), out: outDir, paramsFile: params, resume: resume)
            var job = Job(node: node.id, command: builder.renderer.command(for: node, paths: paths),
                          environment: builder.renderer.environment(for: node, paths: paths),
                          workingDirectory: node.workdir, logPath: logPath, resources: node.resources,
                          gpuIDs: allocation.gpuIDs, readOnlyPaths: inputTrees.isEmpty ? [] : store.immutableFolders)
            job.container = try ContainerJob.launch(for: node, paths: paths)
            let snapshot = store.snapshotInputs(inputTrees)
            builder.observer.event(.started(node: node.id, gpuIDs: allocation.gpuIDs, attempt: attempt))
            let leaderStart = Mutex<UInt64?>(nil)
            let result = await builder.executor.run(job) { pgid in
                lease.setJobProcessGroup(pgid)
                leaderStart.withLock { $0 = ProcessGroup.startTime(pgid) }
            }
            // Checked whatever the exit status: a failing step may have written into its inputs too.
            let damage = store.damagedInputs(since: snapshot)
            if !damage.isEmpty {
                let message = inputDamageMessage(damage, removed: store.invalidate(damage))
                Self.appendLog(logPath, "xgraph: \(message)\n")
                return .failed(message, logPath, retry: false)
            }
            switch result.status {
            case .cancelled: return .cancelled
            case .preempted: return .failed("stopped before its time limit to be requeued; it resumes from its resume folder", logPath, retry: false)
            case .exited(0): break
            case .timedOut:
                return .failed("timed out after \(PlanReport.formatDuration(node.resources.timeSeconds ?? 0))", logPath, retry: true)
            case .exited(let c): return .failed("exit status \(c)", logPath, retry: true)
            case .signaled(let s): return .failed("killed by signal \(s)", logPath, retry: true)
            }
            let users = FolderUsers.of(outDir, startedSince: leaderStart.withLock { $0 })
            if !users.isEmpty {
                let who = users.map { "pid \($0.pid) (\($0.command))" }.joined(separator: ", ")
                let message = "the step ended but a process it started is still using $XGRAPH_OUT: \(who); "
                    + "its output was not recorded (a step must wait for the processes it starts)"
                Self.appendLog(logPath, "xgraph: \(message)\n")
                return .failed(message, logPath, retry: true)
            }
            let changed = rebuilder.changedSinceKeyed(i)
            if !changed.isEmpty {
                let message = "\(changed.joined(separator: ", ")) changed while the step ran, so its output was not "
                    + "recorded under the key of the old version; the next build runs it again"
                Self.appendLog(logPath, "xgraph: \(message)\n")
                return .failed(message, logPath, retry: false)
            }
            if let confirm = builder.options.single?.confirm, let why = await confirm() {
                let message = "\(why); the step's output was not recorded"
                Self.appendLog(logPath, "xgraph: \(message)\n")
                return .failed(message, logPath, retry: false)
            }
            let record = try finish(i, node: node, key: key, outDir: outDir, result: result, attempt: attempt, allocation: allocation,
                                    log: logPath)
            if node.resume { store.removeResumeDirectory(forNode: node.id, key: key.key) }
            lock.withLock { outputs[i] = record.output; summary.ran.append(node.id); ranSet.insert(i); keys[i] = nil }
            builder.options.records?.recorded(record)
            builder.observer.event(.finished(node: node.id, seconds: result.end.timeIntervalSince(result.start)))
            return .succeeded
        } catch {
            let message = Builder.message(error as? XGraphError ?? .io("\(error)"))
            Self.appendLog(logPath, "xgraph: \(message)\n")
            return .failed(message, logPath, retry: true)
        }
    }

    private func inputDamageMessage(_ damage: [InputDamage], removed: [Digest]) -> String {
        let what = damage.map { d in "\(store.artifactPath(d.tree))/{\(d.paths.prefix(5).joined(separator: ","))\(d.paths.count > 5 ? ",…" : "")}" }
        var text = "the step changed its input\(what.count == 1 ? "" : "s") \(what.joined(separator: " and ")) (inputs are read-only); "
        text += "removed \(removed.count) damaged artifact\(removed.count == 1 ? "" : "s") from the store: "
        text += "the nodes that made them run again on the next build"
        return text
    }

    /// Checks the contract, moves the outputs into the store and writes the action record.
    private func finish(_ i: Int, node: Node, key: NodeKey, outDir: String, result: JobResult, attempt: Int,
                        allocation: Allocation, log: String) throws -> ActionRecord {
        for o in node.outputs where !FileManager.default.fileExists(atPath: outDir + "/" + o) {
            throw XGraphError.build("declared output \(o) was not written to $XGRAPH_OUT")
        }
        var metrics = JSONValue.object([:])
        let metricsPath = outDir + "/metrics.json"
        if let data = try RegularFile.readIfPresent(metricsPath) { metrics = try MetricsJSON.parse(data) }
        // Params that name one leaf twice are refused when the file loads; this guards the
        // record the index must take against any other way in.
        do { _ = try node.params.flattenedLeaves(what: "param") }
        catch let e as JSONValue.FlatteningError { throw XGraphError.build(e.description) }
        // Published under gc's lock held shared: gc must not delete a blob this output reuses.
        let gcLock = store.gcShared()
        defer { gcLock.release() }
        let ingested = try store.ingest(outputDirectory: outDir)
        var inputs: [String: Digest] = [:]
        for part in key.parts { if case .input(let name)? = part.kind { inputs[name] = part.digest } }
        let p = builder.provenance
        let record = ActionRecord(
            node: node.id, step: node.step, axes: node.axes.map { AxisEntry(name: $0.axis, value: $0.value) },
            params: node.params, metrics: metrics, key: key.key, keyParts: key.parts, inputs: inputs,
            output: ingested.tree, outputs: ingested.outputs,
            provenance: Provenance(gitCommit: p.gitCommit, gitBranch: p.gitBranch, gitDirty: p.gitDirty,
                                   gitDiffDigest: p.gitDiffDigest, xgraphVersion: XGraphVersion.string, host: p.host,
                                   executor: builder.executor.name, gpuModel: allocation.gpuIDs.isEmpty ? nil : builder.options.gpuModel,
                                   gpuIDs: allocation.gpuIDs, start: result.start, end: result.end, exitStatus: 0, attempt: attempt))
        var recorded = record
        recorded.provenance.untrackedCode = untrackedCode(node, key: key)
        recorded.provenance.buildID = builder.provenance.buildID
        if log.hasPrefix(store.root + "/") { recorded.provenance.log = String(log.dropFirst(store.root.count + 1)) }
        let written = try store.writeRunRecord(recorded)
        try store.setLastKey(key.key, forNode: node.id)
        return written
    }

    /// The node's `code:` paths whose content its commit does not pin down, with a digest of
    /// those paths' key parts, so two runs at one commit with different such code differ.
    private func untrackedCode(_ node: Node, key: NodeKey) -> UntrackedCode? {
        guard let tracking = builder.provenance.codeTracking else { return nil }
        let names = zip(node.code, node.codeNames).filter { tracking.holdsUntracked($0.0) }.map(\.1)
        guard !names.isEmpty else { return nil }
        let parts = Set(names.map { KeyPartName.code($0) })
        let text = key.parts.filter { $0.kind.map(parts.contains) ?? false }.map { "\($0.name) \($0.digest.hex)" }.joined(separator: "\n")
        return UntrackedCode(paths: names, digest: Digest.of(text))
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
            let j = graph.index(of: edge.node)!
            if case .source(let path, _) = graph.nodes[j].kind { paths[edge.name] = path; continue }
            let out = lock.withLock { outputs[j] }!
            paths[edge.name] = store.artifactPath(out)
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
            // On Slurm a job of a detached build may have run it after its inputs' jobs.
            if let slurm = builder.slurm, store.submittedJob(file: slurm.specFile, node: node.id) != nil {
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

    /// A line from xgraph in the node's log. Best effort: on a full disk the line is lost, but
    /// the failure it explains is still reported on the terminal (FileHandle.write would trap).
    static func appendLog(_ path: String, _ text: String) {
        try? Console.append(text, toFile: path)
    }
}
