import Foundation
import XGraphCore
import XGraphExecutors
import XGraphGraph
import XGraphKeys
import XGraphStore

/// One node attempt waiting to be submitted: what `submitNode` is given for a job of its own.
struct SlurmSubmission: Sendable {
    /// The node's index in the build's graph.
    var index: Int
    var node: Node
    var key: NodeKey?
    var attempt: Int
    var forced: Bool
    /// Whether it may share a job with other nodes of its step (its `group:`); false for a
    /// node whose group's job ended before it started, which then goes out alone.
    var mayGroup = true
    /// Where each input's output is, by the input's node index, when the head knows it better
    /// than the key's parts (a detached build: by key, so gc keeps it for the queued job).
    var sources: [Int: DescribedInput.Source] = [:]

    /// Its step's `group:`, where it may share a job.
    var group: JobGroup? { mayGroup ? node.jobGroup : nil }
}

/// Why nodes cannot go out as an array, though each can go out alone.
enum ArrayRefusal: Error {
    /// A word of a runner's command holds a line break, and the units file has a line per task.
    case lineBreak
}

extension Builder {
    /// Submits `units` (each a list of node attempts run one after another in one task) as one
    /// job array of `shape`, and records each node's task (`A_i`) in the store's registry, so
    /// `status`, `cancel`, `logs`, requeue and a later build's adoption see each node as if it
    /// had a job of its own. Returns the array's folder (SlurmArrayRequest) and the registry
    /// entries of each unit's nodes, in order.
    /// The caller holds every node's submission lock.
    ///
    /// Throws `ArrayRefusal` (having submitted nothing) when the units cannot be written.
    ///
    /// As for a single job, each node's "submitting" marker is written before `sbatch` runs
    /// (naming the array's job name and the task's output file) and removed once its task is
    /// recorded: a head killed in between leaves what the next build needs to adopt the task.
    /// The files are written unsynced and made durable by one `syncRegistry` before `sbatch` and
    /// one after the entries: an fsync per file was the largest part of the head's CPU. Each
    /// entry takes its marker's place (`recordSubmitted(replacingMarker:)`).
    func submitArray(_ units: [[SlurmSubmission]], shape: SlurmJobRequest,
                     slurm: SlurmSettings) async throws -> (folder: String, jobs: [[SubmittedJob]]) {
        let steps = Set(units.joined().map(\.node.step))
        let label = (steps.count == 1 ? steps.first ?? "array" : "array") + "[\(units.count)]"
        let name = SlurmJobRequest.jobName(label)
        let folder = try store.newArrayFolder()
        var jobs: [[SubmittedJob]] = []
        var tasks: [String] = []
        var commands: [[String]] = []
        let markers = units.joined().map(\.node.id)
        func clearMarkers() { for node in markers { store.clearSubmitting(file: slurm.specFile, node: node) } }
        do {
            for (task, unit) in units.enumerated() {
                let output = SlurmArrayRequest.output(folder: folder, task: task)
                var unitJobs: [SubmittedJob] = []
                var runs: [NodeRunnerCommand.Run] = []
                for s in unit {
                    let sources = s.sources
                    let (job, run) = try prepareSubmission(s.index, key: s.key, attempt: s.attempt, forced: s.forced,
                                                           slurm: slurm, upstream: { sources[$0] }, task: (name, output),
                                                           syncMarker: false)
                    unitJobs.append(job)
                    runs.append(run)
                }
                // Slurm appends the task's output (its own messages: cancelled, time limit) to
                // this file; a unit of one node has it land in that node's log.
                if unit.count == 1 { try store.linkTaskOutput(output, to: unitJobs[0].log) }
                jobs.append(unitJobs)
                // One runner for the unit's nodes, one after another.
                commands.append(slurm.runnerCommand(runs, store: store))
            }
            let request = SlurmArrayRequest(shape: shape, name: name, folder: folder, units: commands, throttle: slurm.throttle(shape.profile))
            guard let text = request.unitsText else { throw ArrayRefusal.lineBreak }
            try store.publishArrayFile(text, at: request.unitsPath)
            // The markers, descriptions and units reach the disk together, before sbatch.
            try store.syncRegistry()
            tasks = try await slurm.executor.submit(request)
        } catch is CancellationError {
            // sbatch may have made the array before it was stopped: the markers let the next
            // build find its tasks.
            throw CancellationError()
        } catch {
            clearMarkers()
            store.removeArrayFolder(folder)
            throw error
        }
        // From here a failure leaves the markers: the tasks are queued, and the next build
        // adopts them.
        let now = Date()
        for (t, id) in tasks.enumerated() {
            for k in jobs[t].indices {
                jobs[t][k].job = id
                jobs[t][k].submitted = now
                try store.recordSubmitted(replacingMarker: jobs[t][k])
            }
        }
        try store.syncRegistry()
        return (folder, jobs)
    }
}
