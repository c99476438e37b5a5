import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// A node submitted to a cluster queue and not (yet) known to have ended: the store's memory of
/// which job runs which node of which experiment file, so that a second `build`, `status` and
/// `cancel` find the jobs of a detached or interrupted build, and no node is ever submitted
/// twice while a job for it is still queued or running.
///
/// Kept in `jobs/<aa>/<sha256(file NUL node)>.json`; whether the job succeeded is never read
/// from here (the node's record says that).
public struct SubmittedJob: Codable, Sendable, Equatable {
    public var node: String
    /// The experiment file, absolute.
    public var file: String
    public var executor: String
    public var job: String
    /// The key the job must produce; nil when it was submitted behind inputs still to be built
    /// (the node runner then computes it when the inputs exist).
    public var key: String?
    public var log: String
    public var attempt: Int
    public var submitted: Date
    /// The digest of the node description the job runs (`jobs/descriptions/`): a job queued
    /// behind this one names it to find the key this job records, and gc keeps it while the
    /// job may still run. Nil in entries written before jobs ran descriptions.
    public var description: String?
    /// For a node submitted as a task of a job array: the array's job name and the task's own
    /// output file (a link to `log`), which is how the queue lists it. Nil for a job of its own,
    /// listed under `xg:NODE` with `log` as its output.
    public var jobName: String?
    public var output: String?

    public init(node: String, file: String, executor: String, job: String, key: String?, log: String,
                attempt: Int, submitted: Date = Date(), description: String? = nil, jobName: String? = nil,
                output: String? = nil) {
        self.node = node; self.file = file; self.executor = executor; self.job = job; self.key = key
        self.log = log; self.attempt = attempt; self.submitted = submitted; self.description = description
        self.jobName = jobName; self.output = output
    }
}

extension Store {
    private func submissionPath(file: String, node: String) -> String {
        jobs.entryPath(file: file, node: node)
    }

    /// The last job submitted for `node` of `file`, if any.
    public func submittedJob(file: String, node: String) -> SubmittedJob? {
        read(submissionPath(file: file, node: node) + ".json", file: file, node: node)
    }

    public func recordSubmittedJob(_ job: SubmittedJob) throws {
        try write(job, suffix: ".json", sync: true)
    }

    /// The submission of `node` of `file` that a head began and may not have finished: written
    /// (with an empty `job`) before `sbatch` runs and removed once the job is recorded, so a
    /// head killed in between leaves what the next build needs to find the job it may have
    /// made (by name and log path) instead of submitting the node a second time.
    public func submittingJob(file: String, node: String) -> SubmittedJob? {
        read(submissionPath(file: file, node: node) + ".submitting", file: file, node: node)
    }

    public func recordSubmitting(_ job: SubmittedJob, sync: Bool = true) throws {
        try write(job, suffix: ".submitting", sync: sync)
    }

    /// Makes every registry entry, description and array file written unsynced so far durable:
    /// one `syncfs` of the store's file system instead of an fsync per file, for the thousand
    /// entries of one job array. What matters is that they are on disk before `sbatch` runs
    /// (a head on a machine that crashes after it leaves what the next build adopts), and that
    /// the entries that took the markers' place are there once the head goes on.
    public func syncRegistry() throws {
        try POSIX.syncFileSystem(of: jobs.directory)
    }

    /// Records `job` in place of its "submitting" marker: the marker's file is rewritten and
    /// renamed to the entry's name, so marker and entry share one inode and nothing is freed.
    /// On ext4 without a journal (many VMs) each file created after many were freed costs a
    /// scan of the recently freed inodes, and a job array's head created and freed one per
    /// task. Unsynced: the caller syncs the registry (`syncRegistry`).
    /// Where the marker is gone, the entry is written as usual.
    ///
    /// The rewrite is not atomic to a reader without the submission lock (`status`, gc): it may
    /// see no marker for an instant, never a wrong one (a torn file does not decode).
    public func recordSubmitted(replacingMarker job: SubmittedJob) throws {
        let base = submissionPath(file: job.file, node: job.node)
        let marker = base + ".submitting"
        let fd = open(marker, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return try write(job, suffix: ".json", sync: false) }
        do {
            let data = try Self.registryEncoder().encode(job)
            try POSIX.writeAll(fd, data, path: marker)
            guard ftruncate(fd, off_t(data.count)) == 0 else { throw POSIX.ioError("truncate", marker) }
        } catch {
            close(fd)
            throw error
        }
        close(fd)
        guard rename(marker, base + ".json") == 0 else { throw POSIX.ioError("rename into", base + ".json") }
    }

    public func clearSubmitting(file: String, node: String) {
        unlink(submissionPath(file: file, node: node) + ".submitting")
    }

    private func read(_ path: String, file: String, node: String) -> SubmittedJob? {
        guard let data = POSIX.readFile(path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        guard let job = try? decoder.decode(SubmittedJob.self, from: data), job.node == node, job.file == file else { return nil }
        return job
    }

    private static func registryEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    private func write(_ job: SubmittedJob, suffix: String, sync: Bool) throws {
        // publish makes the entry's folder.
        try POSIX.publish(try Self.registryEncoder().encode(job), at: submissionPath(file: job.file, node: job.node) + suffix,
                          tempDir: tmpDir, tempName: tempName("job"), overwrite: true, sync: sync)
    }

    /// Runs `body` holding the submission lock of `node` of `file` (an exclusive flock, which
    /// works across hosts on the shared file systems clusters use), so two builds deciding at
    /// once whether to submit the same node cannot both submit it.
    public func withSubmissionLock<T>(file: String, node: String, _ body: () async throws -> T) async throws -> T {
        let path = submissionPath(file: file, node: node) + ".lock"
        try POSIX.makeDirectories((path as NSString).deletingLastPathComponent)
        var fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o664)
        if fd < 0 && errno == EACCES { fd = open(path, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw POSIX.ioError("open lock file", path) }
        defer { close(fd) }
        // Never blocks a thread of the cooperative pool: another build holds it only while it
        // submits one job.
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else { throw POSIX.ioError("lock", path) }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return try await body()
    }
}

extension Store {
    /// Every entry of the registry, recorded or only begun (`.submitting`): what `gc` must
    /// assume may still run. Unreadable entries are left out.
    public func allSubmittedJobs() -> [SubmittedJob] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return fanned("jobs").compactMap { name, path in
            guard name.hasSuffix(".json") || name.hasSuffix(".submitting"), let data = POSIX.readFile(path) else { return nil }
            return try? decoder.decode(SubmittedJob.self, from: data)
        }
    }
}

extension Store {
    /// A new folder `jobs/arrays/NAME` for one job array: its `units` file (what each task
    /// runs) and its tasks' output links. Unique per array: the time, this process and a
    /// random part.
    public func newArrayFolder() throws -> String {
        let folder = "\(jobsDirectory)/arrays/\(TimeText.compactNow())-\(getpid())-\(UUID().uuidString.prefix(8))"
        try POSIX.makeDirectories(folder)
        return folder
    }

    /// Writes `text` to `path` whole (temporary file and rename): a task never reads half of it.
    /// Unsynced: the caller syncs it with the tasks' entries (`syncRegistry`) before `sbatch`.
    public func publishArrayFile(_ text: String, at path: String) throws {
        try POSIX.publish(Data(text.utf8), at: path, tempDir: tmpDir, tempName: tempName("units"), overwrite: false, sync: false)
    }

    /// Makes `output` (a task's `--output` file) a link to `log`, so what Slurm writes for the
    /// task lands in the node's log.
    public func linkTaskOutput(_ output: String, to log: String) throws {
        guard symlink(log, output) == 0 else { throw POSIX.ioError("link", output) }
    }

    /// Removes an array's folder once none of its tasks can start again.
    public func removeArrayFolder(_ folder: String) {
        guard folder.hasPrefix(jobsDirectory + "/arrays/") else { return }
        POSIX.removeTree(folder)
    }

    /// The name of the array folder a task's output file (`SubmittedJob.output`) lies in; nil
    /// for an output outside `jobs/arrays/`. By name, not path: the head that wrote the entry
    /// may have reached the store by another path (a link, another mount point).
    public static func arrayFolderName(ofTaskOutput output: String) -> String? {
        let folder = (output as NSString).deletingLastPathComponent
        guard (folder as NSString).deletingLastPathComponent.hasSuffix("/jobs/arrays") else { return nil }
        return (folder as NSString).lastPathComponent
    }

    /// gc: removes the array folders not named in `keep` (those of tasks that may still run)
    /// whose last change is older than `olderThan`; returns how many went (or would go).
    func collectArrayFolders(keep: Set<String>, olderThan: Date, dryRun: Bool) -> Int {
        let dir = jobsDirectory + "/arrays"
        var removed = 0
        for name in POSIX.list(dir) ?? [] where !keep.contains(name) && !name.hasPrefix(".") {
            let path = dir + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR,
                  Double(st.st_mtim.tv_sec) < olderThan.timeIntervalSince1970 else { continue }
            removed += 1
            if !dryRun { POSIX.removeTree(path) }
        }
        return removed
    }
}
