import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// What `gc` keeps (docs/store.md, "Garbage collection"). A record is kept when any rule keeps
/// it; the records its kept records were built from (their inputs, recursively) are kept too.
public struct GCRules: Sendable {
    /// Current keys of the named experiment files, and of the files of cluster jobs that may
    /// still run: kept with their resume folders.
    public var keys: Set<Digest> = []
    /// Runs recorded at these commits.
    public var commits: Set<String> = []
    /// Runs, logs and resume folders newer than this.
    public var newerThan: Date?
    /// With a size, records the rules do not keep go least recently used first only until the
    /// store's blobs fit; without one, all of them go.
    public var maxBytes: Int64?
    /// Node names of the named files: the newest log of each is kept even without a record
    /// (it explains a node that fails now).
    public var nodeNames: Set<String> = []
    /// The node descriptions cluster jobs that may still run will read (theirs, and those of
    /// the jobs they read inputs from); other descriptions older than an hour go. Nil: none go.
    public var jobDescriptions: Set<Digest>?
    /// The `jobs/arrays/` folders of tasks that may still run (SubmittedJobs.swift); other
    /// folders older than an hour go. Nil: none go.
    public var jobArrayFolders: Set<String>?
    public init() {}
}

/// What a collection deleted (or would delete, for a dry run).
public struct GCReport: Sendable {
    public struct StepTotal: Sendable {
        public var records = 0
        public var bytes: Int64 = 0
    }
    public var byStep: [String: StepTotal] = [:]
    public var records = 0
    public var keptRecords = 0
    /// Bytes of blobs, the artifacts' own small files and manifests that go.
    public var contentBytes: Int64 = 0
    public var blobs = 0
    public var trees = 0
    public var logs = 0
    public var logBytes: Int64 = 0
    public var history = 0
    public var resumeFolders = 0
    public var resumeBytes: Int64 = 0
    /// Keys kept because a running build pinned them or a lease is held on them.
    public var pinned = 0
    /// Blobs (after the rules) before and after.
    public var blobBytesBefore: Int64 = 0
    public var blobBytesAfter: Int64 = 0
    /// Artifacts of this user that other members' gc had set aside, now freed (group stores).
    public var trashFreed = 0
    /// Set when `maxBytes` could not be reached by deleting what the rules allow.
    public var overBudget = false
    /// Descriptions of cluster jobs that have ended (`GCRules.jobDescriptions`).
    public var jobDescriptions = 0
    /// Folders of job arrays whose tasks have all ended (`GCRules.jobArrayFolders`).
    public var jobArrayFolders = 0
    public var totalBytes: Int64 { contentBytes + logBytes + resumeBytes }
}

extension Store {
    /// Deletes what `rules` do not keep (nothing with `dryRun`), under the gc lock held
    /// exclusively (`lock`, from `gcExclusive`): records first, then keys.log and nodes.log
    /// lines, artifacts, manifests, blobs, and the history, logs and resume folders that belonged
    /// to what went. Records pinned by running builds, and keys whose run lease is held, are
    /// always kept.
    /// - Parameter taken: a census the caller made under the same lock (`du` shows both).
    public func collect(_ rules: GCRules, dryRun: Bool, lock: GCLock, census taken: StoreCensus? = nil) throws -> GCReport {
        var report = GCReport()
        let pins = livePins()
        let census = taken ?? census(folders: false)
        let now = Date()
        var recordOf: [Digest: ActionRecord] = [:]
        for r in census.records { recordOf[r.key] = r }
        let (keep, pinned) = rules.kept(census.records) { r in pins.keys.contains(r.key) || leaseHolder(key: r.key) != nil }
        report.pinned = pinned

        // What goes, with the bytes each record frees when it goes (blobs counted once).
        var treeUsers = census.treeUsers
        var blobUsers = census.blobUsers
        report.blobBytesBefore = census.folderBytes["blobs"] ?? 0
        var blobBytes = report.blobBytesBefore
        var goingBlobs: [StoreCensus.BlobRef] = []
        var goingTrees: [Digest] = []
        var going: [ActionRecord] = []
        // Least recently used first: the newest of its recording and of a build's pin.
        let uses = readUses(alsoFrom: pins.stale)
        func lastUse(_ r: ActionRecord) -> Date { max(r.provenance.end, uses.last[r.key] ?? .distantPast) }
        let candidates = census.records.filter { !keep.contains($0.key) }.sorted { lastUse($0) < lastUse($1) }
        for r in candidates {
            if let max = rules.maxBytes, blobBytes <= max { break }
            going.append(r)
            var freed: Int64 = 0
            treeUsers[r.output, default: 1] -= 1
            if treeUsers[r.output] == 0 {
                goingTrees.append(r.output)
                for (b, size) in census.blobsOfTree[r.output] ?? [:] {
                    blobUsers[b, default: 1] -= 1
                    if blobUsers[b] == 0 { goingBlobs.append(b); freed += size }
                }
            }
            blobBytes -= freed
            report.byStep[r.step, default: .init()].records += 1
            report.byStep[r.step, default: .init()].bytes += freed
            report.contentBytes += freed
        }
        // Manifests no record uses, and blobs no manifest names, go whatever the budget: no
        // build can reach them (builds publish under the shared lock, so none is half-made).
        let usedTrees = Set(census.records.map(\.output))
        for t in census.trees where !usedTrees.contains(t) {
            goingTrees.append(t)
            for (b, size) in census.blobsOfTree[t] ?? [:] {
                blobUsers[b, default: 1] -= 1
                if blobUsers[b] == 0 { goingBlobs.append(b); report.contentBytes += size; blobBytes -= size }
            }
        }
        for (b, size) in census.orphanBlobs { goingBlobs.append(b); report.contentBytes += size; blobBytes -= size }
        if let max = rules.maxBytes, blobBytes > max { report.overBudget = true }
        report.records = going.count
        report.keptRecords = census.records.count - going.count
        report.blobs = goingBlobs.count
        report.trees = goingTrees.count
        report.blobBytesAfter = blobBytes

        let goingKeys = Set(going.map(\.key))
        let keptRecords = census.records.filter { !goingKeys.contains($0.key) }
        let logs = logsToDelete(kept: keptRecords, rules: rules, now: now)
        report.logs = logs.count
        report.logBytes = logs.reduce(0) { $0 + Self.fileBytes($1) + Self.fileBytes(Self.paramsPath(ofLog: $1)) }
        let history = fanned("history").filter { name, _ in
            guard let dot = name.firstIndex(of: "."), let key = Digest(hex: String(name[..<dot])) else { return false }
            return recordOf[key] == nil || goingKeys.contains(key)
        }.map(\.path)
        report.history = history.count
        let resume = resumeFoldersToDelete(keep: rules.keys.union(pins.keys).union(keep), rules: rules)
        report.resumeFolders = resume.count
        report.resumeBytes = resume.reduce(0) { $0 + Self.treeBytes($1, onlySingleLinks: false) }
        if let described = rules.jobDescriptions {
            // An hour spares a description its head wrote just before submitting the job,
            // before any registry entry names it (`jobFileGrace`).
            report.jobDescriptions = collectJobDescriptions(keep: described, olderThan: now.addingTimeInterval(-Self.jobFileGrace), dryRun: dryRun)
        }
        if let arrays = rules.jobArrayFolders {
            // The same hour spares a folder its head made just before it registers the tasks.
            report.jobArrayFolders = collectArrayFolders(keep: arrays, olderThan: now.addingTimeInterval(-Self.jobFileGrace), dryRun: dryRun)
        }
        if dryRun { return report }

        for r in going {
            unlink(recordPath(r.key))
            unlink(lostMarkerPath(r.key))
        }
        if !goingKeys.isEmpty {
            try dropKeyLogLines(of: goingKeys)
            _ = try dropNodeLogLines(of: goingKeys)
        }
        for t in goingTrees {
            if POSIX.exists(artifactPath(t)) { removeArtifact(t) }
            unlink(manifestPath(t))
        }
        for b in goingBlobs { unlink(blobPath(b.digest, executable: b.executable)) }
        for path in history { unlink(path) }
        for path in logs { unlink(path); unlink(Self.paramsPath(ofLog: path)) }
        for path in resume {
            POSIX.removeTree(path)
            unlink(path + ".node")
        }
        // The dead owners' pins are among the uses read: compacted with them.
        compactUses(uses, keeping: Set(keptRecords.map(\.key)))
        report.trashFreed = emptyTrash()
        caches.withLock { $0.outputs = nil; $0.lastKeys = nil; $0.artifactNames = nil; $0.artifactChecks = 0 }
        if report.records + report.trees + report.blobs + report.logs + report.resumeFolders + report.history > 0 {
            bumpGCGeneration(lock)
        }
        return report
    }

    /// How old a node description or job array folder no registry entry names must be before
    /// gc removes it: a head writes both before the entries that name them.
    static let jobFileGrace: TimeInterval = 3600

    static func paramsPath(ofLog log: String) -> String {
        log.hasSuffix(".log") ? String(log.dropLast(4)) + ".params.json" : log + ".params.json"
    }

    /// Logs that belong to no kept record and are older than the age rule; the newest log of
    /// each node name in `rules.nodeNames` stays.
    private func logsToDelete(kept: [ActionRecord], rules: GCRules, now: Date) -> [String] {
        // A record names its log; an older one's log was created just before its attempt
        // started: match those by node and time.
        var named = Set<String>()
        var windows: [String: [(String, String)]] = [:]
        for r in kept {
            if let log = r.provenance.log { named.insert(root + "/" + log); continue }
            let from = r.provenance.start.addingTimeInterval(-5), to = r.provenance.end
            windows[Digest.of(r.node).hex, default: []].append((Self.compact(from), Self.compact(to)))
        }
        let newestOfCurrent = Set(rules.nodeNames.compactMap { latestLog(forNode: $0) })
        let cutoff = rules.newerThan.map(Self.compact)
        var out: [String] = []
        for (name, path) in fanned("logs") where name.hasSuffix(".log") {
            let parts = name.split(separator: ".", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let hash = String(parts[0])
            let stamp = String(parts[1].prefix(25))  // yyyyMMddTHHmmss.nnnnnnnnn
            if let cutoff, stamp >= cutoff { continue }
            if newestOfCurrent.contains(path) || named.contains(path) { continue }
            if windows[hash]?.contains(where: { stamp >= $0.0 && stamp <= $0.1 }) == true { continue }
            out.append(path)
        }
        return out
    }

    private func resumeFoldersToDelete(keep: Set<Digest>, rules: GCRules) -> [String] {
        var out: [String] = []
        let dir = resumeDir
        for name in POSIX.list(dir) ?? [] where !name.hasSuffix(".node") {
            guard let key = Digest(hex: name), !keep.contains(key), leaseHolder(key: key) == nil else { continue }
            let path = dir + "/" + name
            var st = stat()
            if let newer = rules.newerThan, lstat(path, &st) == 0,
               Double(st.st_mtim.tv_sec) >= newer.timeIntervalSince1970 { continue }
            out.append(path)
        }
        return out
    }

    static func compact(_ d: Date) -> String {
        let t = d.timeIntervalSince1970
        let s = Int(t.rounded(.down))
        return TimeText.compact(seconds: s, nanoseconds: Int((t - Double(s)) * 1e9))
    }
}
