import Foundation
import Synchronization
import XGraphCore
import XGraphExecutors
import XGraphGraph
import XGraphKeys
import XGraphScheduler
import XGraphStore

/// Runs one attempt of one node on this machine through an `Executor`, with every check of the
/// run in one place. Their order *is* the safety guarantee, so it is kept in one function:
///
///   lease → check the store again → snapshot the inputs → run → input damage → leftover
///   processes → code/data changed → confirm (a cluster job's runner) → outputs and metrics →
///   ingest → record
///
/// A failure at any point leaves only the log. A local build runs it on the head; a Slurm job
/// runs it on the compute node (`xgraph run-node`, from the node's description), so both record
/// through the same checks.
/// It decides nothing about scheduling or retries: the build does (BuildRun).
struct NodeRunner: Sendable {
    /// Who decided the node's key: a build (`BuildContext`) or a cluster job's runner
    /// (`DescribedNodeRun`).
    let context: any NodeRunContext
    /// What starts, follows and stops the step's process.
    let executor: any Executor

    var store: Store { context.store }

    init(context: any NodeRunContext, executor: any Executor) {
        self.context = context; self.executor = executor
    }

    init(builder: Builder, rebuilder: Rebuilder, executor: any Executor) {
        self.init(context: BuildContext(builder: builder, rebuilder: rebuilder), executor: executor)
    }

    func run(_ a: NodeAttempt) async -> AttemptOutcome {
        let (i, node, key, allocation, attempt) = (a.index, a.node, a.key, a.allocation, a.number)
        // The lease makes this process the only one running this key; a build killed with -9
        // loses its lease with its life, but its job may still run: wait for that orphan.
        let lease: NodeLease
        do {
            var waited = false
            while true {
                if let out = context.cachedOutput(i, key: key) { return .cachedMeanwhile(output: out, waited: waited) }
                if let l = try store.tryLease(key: key.key, node: node.id) {
                    if let pgid = l.orphanedProcessGroup {
                        // Hold the lease while the orphan runs, so no other build starts it
                        // either; its output was never recorded, so run the node once it ends.
                        context.observer.event(.waiting(node: node.id, reason: "an orphaned job (process group \(pgid)) of a killed build is still running"))
                        while ProcessGroup.hasLiveMembers(pgid) { try await Task.sleep(nanoseconds: 250_000_000) }
                    }
                    // Another build may have published this key between the check above and
                    // the lease; now that nobody else can, look once more before running it.
                    if let out = context.cachedOutput(i, key: key) {
                        l.release()
                        return .cachedMeanwhile(output: out, waited: true)
                    }
                    lease = l
                    break
                }
                if !waited {
                    let holder = store.leaseHolder(key: key.key)
                    context.observer.event(.waiting(node: node.id, reason: holder.map { "running in process \($0.pid) on \($0.host)" }
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
            logPath = try context.fixedLogPath ?? store.logPath(forNode: node.id, attempt: attempt)
            outDir = try store.makeOutputDirectory(for: node.id)
        } catch {
            return .failed(Builder.message(error as? XGraphError ?? .io("\(error)")), nil, retry: true)
        }
        defer { store.discardOutputDirectory(outDir) }
        do {
            let params = try store.writeParamsFile(node.params.canonicalData, besideLog: logPath)
            let resume = node.resume ? try store.resumeDirectory(forNode: node.id, key: key.key) : nil
            let inputTrees = a.inputArtifacts
            let paths = CommandRenderer.Paths(inputs: a.inputPaths, out: outDir, paramsFile: params, resume: resume)
            var job = Job(node: node.id, command: context.renderer.command(for: node, paths: paths),
                          environment: context.renderer.environment(for: node, paths: paths),
                          workingDirectory: node.workdir, logPath: logPath, resources: node.resources,
                          gpuIDs: allocation.gpuIDs, readOnlyPaths: inputTrees.isEmpty ? [] : store.immutableFolders)
            job.container = try ContainerJob.launch(for: node, paths: paths)
            let snapshot = store.snapshotInputs(inputTrees)
            context.observer.event(.started(node: node.id, gpuIDs: allocation.gpuIDs, attempt: attempt))
            let leaderStart = Mutex<UInt64?>(nil)
            // Before the step's first process: every process it starts is created after this.
            let mark = ProcessMark.now()
            let result = await executor.run(job) { pgid in
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
            let users = FolderUsers.of(outDir, since: mark, startedSince: leaderStart.withLock { $0 })
            if !users.isEmpty {
                let who = users.map { "pid \($0.pid) (\($0.command))" }.joined(separator: ", ")
                let message = "the step ended but a process it started is still using $XGRAPH_OUT: \(who); "
                    + "its output was not recorded (a step must wait for the processes it starts)"
                Self.appendLog(logPath, "xgraph: \(message)\n")
                return .failed(message, logPath, retry: true)
            }
            let changed = context.changedSinceKeyed(i)
            if !changed.isEmpty {
                let message = "\(changed.joined(separator: ", ")) changed while the step ran, so its output was not "
                    + "recorded under the key of the old version; the next build runs it again"
                Self.appendLog(logPath, "xgraph: \(message)\n")
                return .failed(message, logPath, retry: false)
            }
            if let confirm = context.confirm, let why = await confirm() {
                let message = "\(why); the step's output was not recorded"
                Self.appendLog(logPath, "xgraph: \(message)\n")
                return .failed(message, logPath, retry: false)
            }
            let record = try finish(node, key: key, outDir: outDir, result: result, attempt: attempt, allocation: allocation,
                                    log: logPath)
            if node.resume { store.removeResumeDirectory(forNode: node.id, key: key.key) }
            return .succeeded(record, seconds: result.end.timeIntervalSince(result.start))
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
    private func finish(_ node: Node, key: NodeKey, outDir: String, result: JobResult, attempt: Int,
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
        let p = context.provenance
        let record = ActionRecord(
            node: node.id, step: node.step, axes: node.axes.map { AxisEntry(name: $0.axis, value: $0.value) },
            params: node.params, metrics: metrics, key: key.key, keyParts: key.parts, inputs: inputs,
            output: ingested.tree, outputs: ingested.outputs,
            provenance: Provenance(gitCommit: p.gitCommit, gitBranch: p.gitBranch, gitDirty: p.gitDirty,
                                   gitDiffDigest: p.gitDiffDigest, xgraphVersion: XGraphVersion.string, host: p.host,
                                   executor: executor.name, gpuModel: allocation.gpuIDs.isEmpty ? nil : context.gpuModel,
                                   gpuIDs: allocation.gpuIDs, start: result.start, end: result.end, exitStatus: 0, attempt: attempt))
        var recorded = record
        recorded.provenance.untrackedCode = untrackedCode(node, key: key)
        recorded.provenance.buildID = p.buildID
        recorded.provenance.log = store.relativePath(log)
        let written = try store.writeRunRecord(recorded)
        try store.setLastKey(key.key, forNode: node.id)
        return written
    }

    /// The node's `code:` paths whose content its commit does not pin down, with a digest of
    /// those paths' key parts, so two runs at one commit with different such code differ.
    private func untrackedCode(_ node: Node, key: NodeKey) -> UntrackedCode? {
        var names: [String] = []
        for (path, name) in zip(node.code, node.codeNames) {
            guard let untracked = context.holdsUntrackedCode(path) else { return nil }
            if untracked { names.append(name) }
        }
        guard !names.isEmpty else { return nil }
        let parts = Set(names.map { KeyPartName.code($0) })
        let text = key.parts.filter { $0.kind.map(parts.contains) ?? false }.map { "\($0.name) \($0.digest.hex)" }.joined(separator: "\n")
        return UntrackedCode(paths: names, digest: Digest.of(text))
    }

    /// A line from xgraph in the node's log. Best effort: on a full disk the line is lost, but
    /// the failure it explains is still reported on the terminal (FileHandle.write would trap).
    static func appendLog(_ path: String, _ text: String) {
        try? Console.append(text, toFile: path)
    }
}
