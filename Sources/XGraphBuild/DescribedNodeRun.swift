import Foundation
import XGraphCore
import XGraphExecutors
import XGraphGraph
import XGraphKeys
import XGraphScheduler
import XGraphStore

/// What a cluster job runs (`xgraph run-node --description`): one node from the description its
/// head wrote into the store, with no experiment file and no graph. It digests the node's code
/// and datasets again and finds its inputs' outputs in the store (what it can see), computes
/// the key from them, refuses to run when that key is not the one the head computed, ends at
/// once when the key is already recorded (early cutoff, unless forced), and otherwise runs the
/// node through the same ordered checks as a local build (`NodeRunner`) and records it. It never
/// retries: one job is one attempt, and the head resubmits.
public struct DescribedNodeRun: Sendable {
    public let description: NodeDescription
    /// The digest of the description's bytes (its file name), noted with the recorded key.
    public let digest: Digest
    public let node: Node
    public let store: Store
    public var renderer: CommandRenderer
    public var executor: any Executor
    public var observer: any BuildObserver
    /// The log the head named for this attempt (Slurm's --output writes to it too).
    public var logPath: String
    public var attempt: Int
    /// The GPUs the cluster gave the job, and their model (for the record).
    public var gpuIDs: [Int] = []
    public var gpuModel: String?
    public var cpus: Int
    public var memMB: Int
    /// Asked after the step succeeded and just before its record is written: a reason means the
    /// job was stopped (scancel, requeue, preemption, time limit) while the step ran, and its
    /// output is not recorded. Slurm signals every process of the job at once, so a step that
    /// survives the signal can end with status 0 before the runner has heard of it.
    public var confirm: (@Sendable () async -> String?)?

    /// Reads and checks the description at `path` (its digest against its name, its format).
    public init(descriptionAt path: String, store: Store, renderer: CommandRenderer, executor: any Executor,
                observer: any BuildObserver, logPath: String, attempt: Int) throws {
        let (data, digest) = try store.readJobDescription(at: path)
        let description = try NodeDescription.decode(data, path: path)
        self.description = description; self.digest = digest; self.node = try description.node.node(); self.store = store
        self.renderer = renderer; self.executor = executor; self.observer = observer; self.logPath = logPath
        self.attempt = attempt; self.cpus = description.node.resources.cpus; self.memMB = description.node.resources.memMB
    }

    /// Runs the node; the summary says what happened to it (one node: ran, cached or failed).
    public func run() async -> BuildSummary {
        var summary = BuildSummary()
        summary.selected = 1
        let prepared: Prepared
        do {
            prepared = try prepare()
        } catch {
            summary.failed.append((node.id, nil, Planner.message(error as? XGraphError ?? .io("\(error)"))))
            return summary
        }
        let key = prepared.key
        if prepared.context.cachedOutput(0, key: key) != nil {
            note(key.key)
            summary.cached = 1
            return summary
        }
        let runner = NodeRunner(context: prepared.context, executor: executor)
        let outcome = await runner.run(NodeAttempt(index: 0, node: node, key: key,
                                                   allocation: Allocation(gpuIDs: gpuIDs, cpus: cpus, memMB: memMB),
                                                   number: attempt, inputPaths: prepared.inputPaths,
                                                   inputArtifacts: prepared.inputArtifacts))
        try? store.saveDigestCache()
        switch outcome {
        case .succeeded:
            note(key.key)
            summary.ran = [node.id]
        case .cachedMeanwhile(let output, let waited):
            if output != nil { note(key.key) }
            summary.cached = 1
            if waited { summary.builtElsewhere = [node.id] }
        case .cancelled:
            summary.cancelled = true
        case .failed(let status, let log, _):
            // The log says which key failed: `status` shows the node as failed while its key is
            // still the current one.
            NodeRunner.appendLog(log ?? logPath, LogTail.failedLine(key: key.key, status: status) + "\n")
            summary.failed.append((node.id, log, status))
        }
        return summary
    }

    /// Notes the key this job's description led to, for jobs queued behind it. Best effort: a
    /// job behind it that cannot read it fails with a message naming this node.
    private func note(_ key: Digest) {
        do { try store.recordDescribedKey(key, description: digest) }
        catch { Console.err("xgraph: \(error)\n") }
    }

    struct Prepared {
        var key: NodeKey
        var inputPaths: [String: String]
        var inputArtifacts: [Digest]
        var context: DescribedContext
    }

    /// What the job can see: code and data digested again, inputs resolved in the store, the
    /// key from them, checked against the head's. Under gc's lock held shared, with the keys it
    /// uses pinned before the lock is released (as a build pins its plan).
    func prepare() throws -> Prepared {
        let gcLock = store.gcShared { Console.err("xgraph: waiting for a gc of \(store.root) to finish\n") }
        defer { gcLock.release() }
        var codeDigests: [String: Digest] = [:]
        for (path, name) in zip(node.code, node.codeNames) {
            guard let d = try Rebuilder.digestCode(path, store: store) else {
                throw XGraphError.build("code path '\(name)' of step '\(node.step)' does not exist on this machine (looked for \(path)); "
                    + "nothing was run")
            }
            codeDigests[path] = d
        }
        if let image = node.container?.imageFile {
            guard let d = try Rebuilder.digestCode(image, store: store) else {
                throw XGraphError.build("container image '\(node.container?.written ?? image)' of step '\(node.step)' does not exist "
                    + "on this machine (looked for \(image)); nothing was run")
            }
            codeDigests[image] = d
        }
        // The code the job was submitted with, or nothing: also when the head did not know the
        // key (an input was still to be built), the job must not run code edited since.
        let changed = codeDigests.keys.sorted().filter { codeDigests[$0] != description.codeDigests[$0] }
        if !changed.isEmpty {
            throw XGraphError.build("the experiment changed since this job was submitted: "
                + changed.map { "\(node.container?.imageFile == $0 ? "container image" : "code") \($0) changed" }.joined(separator: ", ")
                + "; nothing was run: build again to submit the current version")
        }
        var inputDigests: [String: Digest] = [:]
        var inputPaths: [String: String] = [:]
        var artifacts: [Digest] = []
        var datasets: [DescribedContext.Dataset] = []
        var usedKeys: [Digest] = []
        for input in description.inputs {
            let output: Digest
            switch input.source {
            case .dataset(let path, let mode):
                let print = try Rebuilder.fingerprint(dataset: input.node, path: path, mode: mode, store: store)
                datasets.append(.init(node: input.node, path: path, mode: mode, fingerprint: print))
                inputDigests[input.name] = print
                inputPaths[input.name] = path
                continue
            case .output(let d):
                output = d
            case .recordedKey(let k):
                guard let d = store.outputDigest(forKey: k) else { throw noOutput(input) }
                output = d; usedKeys.append(k)
            case .job(let description):
                guard let k = store.describedKey(description) else {
                    throw XGraphError.build("input \(input.node) of \(node.id): the job that builds it (description "
                        + "\(description.hex.prefix(12))) recorded nothing in the store \(store.root); a node runs on the "
                        + "cluster only after its inputs are recorded")
                }
                guard let d = store.outputDigest(forKey: k) else { throw noOutput(input) }
                output = d; usedKeys.append(k)
            }
            guard store.hasArtifact(output) || store.restoreArtifact(output) else { throw noOutput(input) }
            inputDigests[input.name] = output
            inputPaths[input.name] = store.artifactPath(output)
            artifacts.append(output)
        }
        let key = try NodeKeyer.key(for: node, codeDigests: codeDigests, inputDigests: inputDigests,
                                    builtinVersion: description.builtinVersion)
        if let expected = description.expectedKey, expected.key != key.key {
            let changes = KeyDiff.changes(from: expected.parts, to: key.parts).map(\.description)
            let what = changes.isEmpty ? "" : ": " + changes.prefix(4).joined(separator: ", ") + (changes.count > 4 ? ", …" : "")
            throw XGraphError.build("the experiment changed since this job was submitted\(what) (key \(expected.key.hex.prefix(12)) "
                + "then, \(key.key.hex.prefix(12)) now); nothing was run: build again to submit the current version")
        }
        try store.pin(usedKeys + [key.key], held: gcLock)
        let context = DescribedContext(store: store, renderer: renderer, observer: observer, gpuModel: gpuModel,
                                       provenance: description.provenance.buildProvenance, fixedLogPath: logPath, confirm: confirm,
                                       forced: description.forced, node: node, codeDigests: codeDigests, datasets: datasets,
                                       untracked: description.provenance.untrackedCode.map(Set.init))
        return Prepared(key: key, inputPaths: inputPaths, inputArtifacts: artifacts, context: context)
    }

    private func noOutput(_ input: DescribedInput) -> XGraphError {
        .build("input \(input.node) of \(node.id) has no output in the store \(store.root); a node runs on the cluster "
            + "only after its inputs are recorded (was a record removed?)")
    }
}

/// A described node's context for `NodeRunner`: the digests its key was computed from, to be
/// checked again after the step ran, and the head's provenance.
struct DescribedContext: NodeRunContext {
    struct Dataset: Sendable {
        var node: String
        var path: String
        var mode: FingerprintMode
        var fingerprint: Digest
    }

    let store: Store
    let renderer: CommandRenderer
    let observer: any BuildObserver
    let gpuModel: String?
    let provenance: BuildProvenance
    let fixedLogPath: String?
    let confirm: (@Sendable () async -> String?)?
    let forced: Bool
    let node: Node
    let codeDigests: [String: Digest]
    let datasets: [Dataset]
    let untracked: Set<String>?

    func cachedOutput(_ i: Int, key: NodeKey) -> Digest? {
        if forced { return nil }
        guard let out = store.outputDigest(forKey: key.key) else { return nil }
        return store.hasArtifact(out) || store.restoreArtifact(out) ? out : nil
    }

    /// A researcher may edit a script while the job runs: a node whose code or data changed
    /// while it ran must not be recorded under the key of the old ones.
    func changedSinceKeyed(_ i: Int) -> [String] {
        var changed: [String] = []
        for p in node.code where (try? Rebuilder.digestCode(p, store: store)) != codeDigests[p] { changed.append("code \(p)") }
        if let image = node.container?.imageFile, (try? Rebuilder.digestCode(image, store: store)) != codeDigests[image] {
            changed.append("container image \(image)")
        }
        for d in datasets where (try? Rebuilder.fingerprint(dataset: d.node, path: d.path, mode: d.mode, store: store)) != d.fingerprint {
            changed.append("dataset \(d.node) (\(d.path))")
        }
        return changed
    }

    func holdsUntrackedCode(_ path: String) -> Bool? { untracked.map { $0.contains(path) } }
}
