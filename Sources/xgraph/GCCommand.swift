import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphResults
import XGraphStore

/// `xgraph gc`: deletes what nothing keeps (docs/store.md, "Garbage collection").
struct GCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete the records, outputs, logs and resume folders that nothing keeps.",
        discussion: """
            Kept: the current nodes of each FILE and everything they were built from; runs \
            recorded at the last N commits (--keep-commits); anything younger than D days \
            (--keep-days); whatever a running build uses or a queued cluster job will need. \
            With --max-size, the rest goes least recently used first, only until the store \
            fits. Safe while builds run on the same store, on any host. With --remote, the \
            same rules apply to a remote cache's records (--max-size: least recently pushed \
            first), and its blobs go only after --grace.
            """)

    @Argument(help: "Experiment files whose current nodes are kept (with --remote, also the remote's URL).")
    var files: [String] = []
    @Option(name: .long, help: "Keep the runs recorded at the last N commits of the files' repository (or the current folder's).")
    var keepCommits: Int?
    @Option(name: .long, help: "Keep runs, logs and resume folders younger than D days (fractions allowed).")
    var keepDays: Double?
    @Option(name: .long, help: "Delete what the rules do not keep only until the outputs fit SIZE (e.g. 500G, 2T).")
    var maxSize: String?
    @Flag(name: .long, help: "Only print what would be deleted.")
    var dryRun = false
    @Flag(name: .long, help: "Do not ask on a terminal.")
    var yes = false
    @Option(name: .long, help: "The store folder (default: $XGRAPH_STORE, else cache/ at the project root).")
    var store: String?
    @Flag(name: .long, help: "Collect the remote cache, not the store: the s3:// or file:// URL among the arguments, else $XGRAPH_REMOTE, else the first FILE's `remote:`.")
    var remote = false
    @Option(name: .long, help: "With --remote: delete a blob or tree only once it has been unreferenced this long (30s, 15m, 12h, 1d or days; default 1d).")
    var grace: String?

    /// Arguments that are remote URLs (`gc --remote URL FILE`): the flag takes no value, so
    /// that `gc --remote FILE` reads as it looks.
    var remoteURLs: [String] { files.filter(Self.isRemoteURL) }
    var experimentFiles: [String] { files.filter { !Self.isRemoteURL($0) } }
    static func isRemoteURL(_ s: String) -> Bool { s.hasPrefix("s3://") || s.hasPrefix("file://") }

    func validate() throws {
        if let n = keepCommits, n < 0 { throw ValidationError("--keep-commits must be 0 or more") }
        if let d = keepDays, !(d >= 0 && d < 1e6) { throw ValidationError("--keep-days must be a number of days, 0 or more") }
        if let m = maxSize, ByteSize.parse(m) == nil { throw ValidationError("--max-size \(m): expected a size such as 500G, 1.5T or 1000000 (bytes)") }
        if !remote && !remoteURLs.isEmpty { throw ValidationError("\(remoteURLs[0]) is a remote: add --remote to collect it") }
        if !remote && grace != nil { throw ValidationError("--grace applies to --remote only") }
        if remote && remoteURLs.count > 1 { throw ValidationError("--remote collects one remote; found \(remoteURLs.count) URLs") }
        if let g = grace, Self.seconds(g) == nil { throw ValidationError("--grace \(g): expected a duration such as 30s, 15m, 12h, 1d or a number of days") }
        if experimentFiles.isEmpty && keepCommits == nil && keepDays == nil && maxSize == nil {
            throw ValidationError("gc needs to know what to keep: name experiment files, or give --keep-commits, --keep-days or --max-size")
        }
    }

    func run() async throws {
        if remote { return try runRemote() }
        do {
            var roots = GCRoots()
            for f in files { try roots.addCurrent(file: f, store: store) }
            let s = try Workspace.openStore(store)
            let (jobFiles, note) = await roots.addLiveJobs(s)
            for f in jobFiles.subtracting(files.map { Workspace.absolute($0, in: FileManager.default.currentDirectoryPath) }).sorted() {
                do { try roots.addCurrent(file: f, store: s.root) }
                catch { Console.err("xgraph: warning: \(f) has cluster jobs that may still run, but cannot be read (\(error)); only their own keys are kept\n") }
            }
            if let note { Console.err("xgraph: \(note)\n") }
            if let n = keepCommits {
                try roots.addRecentCommits(n, around: files.first.map { ($0 as NSString).deletingLastPathComponent } ?? ".")
            }
            if let d = keepDays { roots.rules.newerThan = Date().addingTimeInterval(-d * 86400) }
            roots.rules.maxBytes = maxSize.flatMap(ByteSize.parse)

            let ask = !dryRun && !yes && isatty(0) == 1 && isatty(1) == 1
            if dryRun || ask {
                let preview = try collect(s, roots.rules, dryRun: true)
                print(Self.describe(preview, dryRun: true))
                if dryRun { return }
                print("Delete this? [y/N] ", terminator: "")
                fflush(nil)
                guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else { print("nothing deleted"); return }
            }
            let report = try collect(s, roots.rules, dryRun: false)
            // The results index is derived from the records: drop the deleted runs now.
            if report.records > 0, let index = try? ResultsIndex(path: s.resultsIndexPath) {
                _ = try? index.sync(with: s)
            }
            print(Self.describe(report, dryRun: false))
        } catch let e as ExitCode {
            throw e
        } catch let e as ValidationError {
            throw e
        } catch {
            XGraph.fail(error)
        }
    }

    private func collect(_ s: Store, _ rules: GCRules, dryRun: Bool) throws -> GCReport {
        var lock = try s.gcExclusive(wait: false)
        if lock == nil {
            Console.err("xgraph: waiting for builds on \(s.root) to finish deciding or publishing\n")
            lock = try s.gcExclusive(wait: true)
        }
        guard let lock else { throw XGraphError.store("cannot lock \(s.gcLockPath)") }
        defer { lock.release() }
        return try s.collect(rules, dryRun: dryRun, lock: lock)
    }

    static func describe(_ r: GCReport, dryRun: Bool) -> String {
        var lines: [String] = []
        let verb = dryRun ? "would delete" : "deleted"
        if !r.byStep.isEmpty {
            let width = max(4, r.byStep.keys.map(\.count).max() ?? 4)
            lines.append("step".padding(toLength: width, withPad: " ", startingAt: 0) + "  records  bytes")
            for (step, t) in r.byStep.sorted(by: { $0.key < $1.key }) {
                lines.append(step.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                             + String(t.records).leftPadded(7) + "  " + ByteSize.text(t.bytes))
            }
        }
        var text = "gc \(verb) \(r.records) record\(r.records == 1 ? "" : "s") (\(ByteSize.text(r.contentBytes)) of outputs: "
            + "\(r.trees) trees, \(r.blobs) blobs), \(r.logs) logs (\(ByteSize.text(r.logBytes))), "
            + "\(r.history) replaced records, \(r.resumeFolders) resume folders (\(ByteSize.text(r.resumeBytes))); "
            + "kept \(r.keptRecords) records"
        if r.pinned > 0 { text += " (\(r.pinned) in use by running builds)" }
        lines.append(text)
        lines.append("outputs \(dryRun ? "would take" : "now take") \(ByteSize.text(r.blobBytesAfter)) (\(ByteSize.text(r.blobBytesBefore)) before)")
        if r.jobDescriptions > 0 {
            lines.append("\(verb) \(r.jobDescriptions) node description\(r.jobDescriptions == 1 ? "" : "s") of ended cluster jobs (jobs/descriptions)")
        }
        if r.jobArrayFolders > 0 {
            lines.append("\(verb) \(r.jobArrayFolders) job array folder\(r.jobArrayFolders == 1 ? "" : "s") of ended cluster jobs (jobs/arrays)")
        }
        if r.trashFreed > 0 {
            lines.append("freed \(r.trashFreed) of your artifact folders that other members' gc had set aside (artifacts/.trash-*)")
        }
        if r.overBudget { lines.append("warning: what the rules keep is larger than --max-size; nothing more can go") }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
