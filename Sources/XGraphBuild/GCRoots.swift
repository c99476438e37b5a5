import Foundation
import XGraphCore
import XGraphExecutors
import XGraphResults
import XGraphStore

/// What `gc` must keep beyond its age and commit rules: the current keys of the experiment
/// files it was given, and of the files whose cluster jobs may still be queued or running (a
/// detached build's jobs read their inputs from the store long after their head exited).
public struct GCRoots: Sendable {
    public var rules = GCRules()
    public init() {}

    /// Adds the current keys (and node names) of `path`: every key the planner can compute
    /// now, cached or to run (a resume folder belongs to a key that has no record yet).
    /// `remoteOutputs` (key → output tree of the remote's records) lets a remote gc compute the
    /// keys below nodes this store never built, as `plan` does with a remote.
    public mutating func addCurrent(file path: String, store storePath: String?, remoteOutputs: [Digest: Digest]? = nil) throws {
        let ws = try Workspace.open(file: path, storePath: storePath)
        var planner = Planner.forQueries(graph: ws.graph, store: ws.store)
        if let remoteOutputs { planner.remoteLookup = { key in remoteOutputs[key.key].map { ($0, 0) } } }
        let plan = try planner.plan(selection: Array(ws.graph.nodes.indices))
        for e in plan.entries {
            if let k = e.key?.key { rules.keys.insert(k) }
            rules.nodeNames.insert(e.node)
        }
    }

    /// The commits of the last `count` commits of the repository around `path` (HEAD first).
    public mutating func addRecentCommits(_ count: Int, around path: String) throws {
        guard let commits = GitProvenance.recentCommits(count, at: path) else {
            throw XGraphError.usage("--keep-commits: \(path) is not inside a git repository with a commit")
        }
        rules.commits.formUnion(commits)
    }

    /// Registry entries whose job squeue still lists (all of them when squeue cannot be asked):
    /// their keys are kept, and their files as if named. Returns the files, and a note when
    /// squeue could not be asked.
    public mutating func addLiveJobs(_ store: Store) async -> (files: Set<String>, note: String?) {
        var entries = store.allSubmittedJobs()
        rules.jobDescriptions = []
        rules.jobArrayFolders = []
        guard !entries.isEmpty else { return ([], nil) }
        var note: String?
        // `--array` lists each pending task of an array as `A_i`, the id its entry holds;
        // without it a pending array is one line (`A_[0-5]`) and its tasks would seem ended.
        if let out = try? await SlurmClient().run("squeue", ["-h", "--array", "-o", "%i"]), out.succeeded {
            let listed = Set(out.stdout.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) })
            // A marker (no job id yet) was left by a head killed around sbatch: its job may exist.
            entries = entries.filter { $0.job.isEmpty || listed.contains($0.job) }
        } else {
            note = "squeue could not be asked: the experiments of all \(entries.count) registered cluster jobs are kept as if named"
        }
        for e in entries { if let k = e.key.flatMap(Digest.init(hex:)) { rules.keys.insert(k) } }
        for e in entries { if let d = e.description.flatMap(Digest.init(hex:)) { keepDescription(d, store) } }
        // A task reads its array's `units` file when it starts (a requeued one again).
        for e in entries { if let f = e.output.flatMap(Store.arrayFolderName(ofTaskOutput:)) { rules.jobArrayFolders?.insert(f) } }
        return (Set(entries.map(\.file)), note)
    }

    /// Keeps a live job's description, the keys it names (its own and its inputs'), and the
    /// descriptions of the jobs it reads inputs from, whose notes name the keys they recorded.
    private mutating func keepDescription(_ d: Digest, _ store: Store) {
        guard rules.jobDescriptions?.insert(d).inserted ?? true else { return }
        let path = store.jobDescriptionPath(d)
        guard let (data, _) = try? store.readJobDescription(at: path),
              let description = try? NodeDescription.decode(data, path: path) else { return }
        if let k = description.expectedKey?.key { rules.keys.insert(k) }
        for input in description.inputs {
            switch input.source {
            case .recordedKey(let k): rules.keys.insert(k)
            case .job(let upstream):
                if let k = store.describedKey(upstream) { rules.keys.insert(k) }
                rules.jobDescriptions?.insert(upstream)
            case .dataset, .output: break
            }
        }
    }
}
