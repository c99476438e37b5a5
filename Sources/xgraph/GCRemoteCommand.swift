import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphRemote
import XGraphStore

/// `xgraph gc --remote`: the rules of the store's gc applied to a remote's records, then the
/// blobs and trees that stayed unreferenced for the grace period (docs/remote.md).
extension GCCommand {
    static let defaultGrace: TimeInterval = 86400

    func runRemote() throws {
        do {
            let cache = try openRemote()
            let records = try cache.readRecords()
            var roots = GCRoots()
            // The remote's records give keys to nodes below ones this store never built, so a
            // gc run from a fresh checkout keeps the same generation a build would fetch.
            for f in experimentFiles { try roots.addCurrent(file: f, store: store, remoteOutputs: records.outputs) }
            if let n = keepCommits {
                try roots.addRecentCommits(n, around: experimentFiles.first.map { ($0 as NSString).deletingLastPathComponent } ?? ".")
            }
            if let d = keepDays { roots.rules.newerThan = Date().addingTimeInterval(-d * 86400) }
            roots.rules.maxBytes = maxSize.flatMap(ByteSize.parse)
            let graceSeconds = grace.flatMap(Self.seconds) ?? Self.defaultGrace

            let ask = !dryRun && !yes && isatty(0) == 1 && isatty(1) == 1
            if dryRun || ask {
                let preview = try cache.collect(roots.rules, records: records, grace: graceSeconds, dryRun: true)
                print(Self.describe(preview, remote: cache.url, grace: graceSeconds, dryRun: true))
                if dryRun { return }
                print("Delete this? [y/N] ", terminator: "")
                fflush(nil)
                guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else { print("nothing deleted"); return }
            }
            // A test knob: holds gc between its blob deletions and its last listing of records.
            let pause = ProcessInfo.processInfo.environment["XGRAPH_REMOTE_GC_TEST_PAUSE"].flatMap(Double.init).map { min(max($0, 0), 60) } ?? 0
            let report = try cache.collect(roots.rules, records: records, grace: graceSeconds, dryRun: false, pause: pause)
            print(Self.describe(report, remote: cache.url, grace: graceSeconds, dryRun: false))
        } catch let e as ExitCode {
            throw e
        } catch let e as RemoteError {
            // The remote went away in the middle: what was deleted was deleted in a safe order.
            XGraph.fail(XGraphError.io("gc --remote stopped: \(e)"))
        } catch {
            XGraph.fail(error)
        }
    }

    /// The remote as builds find it: the URL argument, else $XGRAPH_REMOTE, else the first
    /// file's `remote:`. Unlike a build, gc fails when it cannot use it.
    private func openRemote() throws -> RemoteCache {
        let warn: @Sendable (String) -> Void = { Console.err("xgraph: warning: \($0)\n") }
        if let file = experimentFiles.first {
            let ws = try Workspace.open(file: file, storePath: store)
            guard let (cache, _) = try RemoteSetup.open(flag: remoteURLs.first, modeFlag: RemoteMode.readWrite.rawValue,
                                                        workspace: ws, strict: true, warn: warn) else {
                throw XGraphError.usage("gc --remote: no remote named (give its URL, set XGRAPH_REMOTE, or add `remote:` to \(file))")
            }
            return cache
        }
        let env = ProcessInfo.processInfo.environment
        guard let text = remoteURLs.first ?? env["XGRAPH_REMOTE"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            throw XGraphError.usage("gc --remote: no remote named (give its URL or an experiment file, or set XGRAPH_REMOTE)")
        }
        let url = try RemoteURL(parsing: text)
        return RemoteCache(url: url, backend: try RemoteCache.backend(for: url, environment: env), warn: warn)
    }

    /// `30s`, `15m`, `12h`, `1d`, or a plain number of days (as --keep-days).
    static func seconds(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var number = Substring(text), unit = 86400.0
        if let last = text.last, let u = units[last] { number = text.dropLast(); unit = u }
        guard let n = Double(number), n >= 0, n < 1e7 else { return nil }
        return n * unit
    }

    static func describe(_ r: RemoteGCReport, remote url: RemoteURL, grace: TimeInterval, dryRun: Bool) -> String {
        var lines: [String] = []
        if !r.recordsByStep.isEmpty {
            let width = max(4, r.recordsByStep.keys.map(\.count).max() ?? 4)
            lines.append("step".padding(toLength: width, withPad: " ", startingAt: 0) + "  records")
            for (step, n) in r.recordsByStep.sorted(by: { $0.key < $1.key }) {
                lines.append(step.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + String(n).leftPadded(7))
            }
        }
        let verb = dryRun ? "would delete" : "deleted"
        var text = "gc --remote \(url) \(verb) \(r.records) record\(r.records == 1 ? "" : "s") (kept \(r.keptRecords)"
            + (r.unreadableRecords > 0 ? ", \(r.unreadableRecords) unreadable left alone" : "") + "), "
            + "\(r.blobs) blobs (\(ByteSize.text(r.blobBytes))) and \(r.trees) trees unreferenced for \(Self.duration(grace)) or more"
        if r.rescued > 0 { text += "; \(r.rescued) kept for records pushed meanwhile" }
        if r.danglingRecords > 0 { text += "; \(r.danglingRecords) records pushed meanwhile named deleted blobs and were deleted" }
        lines.append(text)
        if let bytes = r.referencedBytes {
            lines.append("the records \(dryRun ? "that would stay" : "that stay") reference \(ByteSize.text(bytes)) of blobs"
                + (r.overBudget ? "; warning: what the rules keep is larger than --max-size; nothing more can go" : ""))
        }
        if r.uploads > 0 {
            lines.append("\(dryRun ? "would end" : "ended") \(r.uploads) unfinished upload\(r.uploads == 1 ? "" : "s") (\(ByteSize.text(r.uploadBytes))) idle for \(Self.duration(grace)) or more")
        }
        if let why = r.uploadsUnlisted { lines.append("unfinished uploads were not collected: \(why)") }
        if r.waitingBlobs > 0 {
            let at = r.nextDeletion.map { " (the first from " + ISO8601DateFormatter().string(from: $0) + ")" } ?? ""
            lines.append("\(r.waitingBlobs) unreferenced blobs (\(ByteSize.text(r.waitingBytes))) wait for the grace period; a later gc deletes them\(at)")
        }
        return lines.joined(separator: "\n")
    }

    static func duration(_ s: TimeInterval) -> String {
        if s >= 86400 && s.truncatingRemainder(dividingBy: 86400) == 0 { return "\(Int(s / 86400))d" }
        if s >= 3600 && s.truncatingRemainder(dividingBy: 3600) == 0 { return "\(Int(s / 3600))h" }
        return String(format: "%gs", s)
    }
}
