import Foundation
import XGraphCore
import XGraphStore

/// The records a remote holds, read for gc: every envelope whose record can be decoded and
/// whose signature (if any) verifies, whoever signed it (gc must see every record's references,
/// not only the trusted ones).
public struct RemoteRecords: Sendable {
    public var records: [Digest: ActionRecord] = [:]
    /// When each record was pushed (its envelope's `pushed`), for `--max-size`'s order.
    var pushed: [Digest: Date] = [:]
    /// Object keys of envelopes that cannot be read: kept, and they reference nothing.
    public var unreadable: [String] = []
    /// The listing they were read from (key → tag), to read again only what changed.
    var tags: [String: String] = [:]
    var sizes: [String: Int64] = [:]

    public var outputs: [Digest: Digest] { records.mapValues(\.output) }
}

/// What a remote gc deleted, or would delete with `--dry-run`.
public struct RemoteGCReport: Sendable {
    public var records = 0
    public var recordsByStep: [String: Int] = [:]
    public var keptRecords = 0
    public var unreadableRecords = 0
    public var blobs = 0
    public var blobBytes: Int64 = 0
    public var trees = 0
    /// With --max-size: the bytes of the blobs the records that stay reference, and whether that
    /// is still over the size (the rules keep more).
    public var referencedBytes: Int64?
    public var overBudget = false
    /// Unreferenced blobs and trees still within their grace period.
    public var waitingBlobs = 0
    public var waitingBytes: Int64 = 0
    /// The earliest time a later gc may delete one of those.
    public var nextDeletion: Date?
    /// Referenced again by a record that appeared during this gc (a concurrent push).
    public var rescued = 0
    /// Records that appeared during this gc and named a blob or tree it had deleted.
    public var danglingRecords = 0
    /// Unfinished uploads idle for the grace period or more, ended (S3 multipart uploads
    /// aborted, a folder's tmp/ files deleted), and the bytes they held.
    public var uploads = 0
    public var uploadBytes: Int64 = 0
    /// Why unfinished uploads could not be listed (no permission), when they could not.
    public var uploadsUnlisted: String?
}

/// When each unreferenced blob or tree was first seen so (`gc/state.json` on the remote): a
/// blob is deleted only by a gc at least the grace period after that, so a push that found it
/// with HEAD (and did not upload it) has had that long to write its record.
struct RemoteGCState: Codable {
    var format = "xgraph-remote-gc"
    var version = 1
    /// Object key → Unix seconds first seen unreferenced.
    var unreferenced: [String: Double] = [:]
}

extension RemoteCache {
    /// Lists `records/` and reads every envelope (16 at a time).
    public func readRecords() throws -> RemoteRecords {
        let listed = try attempt("list records") { try backend.list("records/") }
        var out = RemoteRecords()
        for o in listed { out.tags[o.key] = o.tag; out.sizes[o.key] = o.size }
        let got = try read(listed.map(\.key))
        for (objectKey, record, pushed) in got {
            if let record {
                out.records[record.key] = record
                out.pushed[record.key] = pushed
            } else {
                out.unreadable.append(objectKey)
            }
        }
        return out
    }

    /// The records under these object keys (nil for one that is unreadable or another key's),
    /// and when each was pushed.
    private func read(_ keys: [String]) throws -> [(String, ActionRecord?, Date?)] {
        let backend = self.backend
        let results = ParallelCalls.map(keys.count, width: 16) { i -> Result<(String, ActionRecord?, Date?), Error> in
            let objectKey = keys[i]
            do {
                guard let key = RemoteLayout.digest(of: objectKey, kind: "records"),
                      let data = try self.attempt("GET record", { try backend.get(objectKey, limit: 16 << 20) }) else {
                    return .success((objectKey, nil, nil))
                }
                if case .accepted(let r, _) = SignedRecord.check(data, key: key, trusted: []) {
                    let pushed = (try? JSONDecoder().decode(SignedRecord.self, from: data))?.pushed
                        .flatMap { ISO8601DateFormatter().date(from: $0) }
                    return .success((objectKey, r, pushed))
                }
                return .success((objectKey, nil, nil))
            } catch { return .failure(error) }
        }
        return try results.map { try $0.get() }
    }

    /// The blobs a tree names, read from its manifest on the remote; nil when it is missing or
    /// unreadable (its record is then already a miss for every reader).
    private func blobs(ofTree tree: Digest) throws -> Set<Digest>? {
        guard let data = try attempt("GET tree", { try backend.get(RemoteLayout.tree(tree), limit: 256 << 20) }),
              let manifest = try? Store.checkForeignManifest(data, tree: tree) else { return nil }
        return Set(manifest.entries.compactMap(\.digest))
    }

    /// Blobs of many trees, 16 manifests at a time.
    private func blobs(ofTrees trees: [Digest]) throws -> [Digest: Set<Digest>?] {
        let results = ParallelCalls.map(trees.count, width: 16) { i -> Result<Set<Digest>?, Error> in
            do { return .success(try self.blobs(ofTree: trees[i])) } catch { return .failure(error) }
        }
        var out: [Digest: Set<Digest>?] = [:]
        for (t, r) in zip(trees, results) { out[t] = try r.get() }
        return out
    }

    /// Remote gc (docs/remote.md, "Garbage collection"), in the order that keeps readers safe:
    ///
    /// 1. records the rules do not keep (`GCRules.kept`, as the store's gc);
    /// 2. trees and blobs no remaining record references, once they have been unreferenced for
    ///    `grace` (the first sighting is kept in `gc/state.json`), after listing the records again
    ///    and keeping whatever a record that appeared meanwhile references;
    /// 3. records listed after those deletions that name something deleted: they were written by
    ///    a push that had found the blob with HEAD before it went, and would be misses anyway.
    /// - Parameter pause: seconds to wait after deleting blobs, before the last listing (tests
    ///   use it to write a record into that window).
    public func collect(_ rules: GCRules, records known: RemoteRecords, grace: TimeInterval, dryRun: Bool,
                        now: Date = Date(), pause: TimeInterval = 0) throws -> RemoteGCReport {
        var report = RemoteGCReport()
        let all = Array(known.records.values)
        // Listed first: --max-size needs the blobs' sizes to choose the records that go.
        let listedBlobs = try attempt("list blobs") { try backend.list("blobs/") }
        let listedTrees = try attempt("list trees") { try backend.list("trees/") }
        var treeBlobs: [Digest: Set<Digest>?] = [:]
        let kept = rules.kept(all).keys
        var going = all.filter { !kept.contains($0.key) }
        if let max = rules.maxBytes {
            treeBlobs = try blobs(ofTrees: Array(Set(all.map(\.output))))
            going = leastRecentlyPushed(going, all: all, max: max, pushed: known.pushed, blobs: listedBlobs,
                                        treeBlobs: treeBlobs, report: &report)
        }
        let goingKeys = Set(going.map(\.key))
        let keep = Set(all.map(\.key)).subtracting(goingKeys)
        report.records = going.count
        report.keptRecords = all.count - going.count
        report.unreadableRecords = known.unreadable.count
        for r in going { report.recordsByStep[r.step, default: 0] += 1 }
        if !dryRun {
            for r in going { try attempt("DELETE record") { try backend.delete(RemoteLayout.record(r.key)) } }
        }

        // What the remaining records reference.
        var remaining = known.records.filter { keep.contains($0.key) }
        let unread = Set(remaining.values.map(\.output)).filter { treeBlobs.index(forKey: $0) == nil }
        treeBlobs.merge(try blobs(ofTrees: Array(unread))) { a, _ in a }
        func referenced() -> (trees: Set<Digest>, blobs: Set<Digest>) {
            let trees = Set(remaining.values.map(\.output))
            var blobs = Set<Digest>()
            for t in trees { if let b = treeBlobs[t] ?? nil { blobs.formUnion(b) } }
            return (trees, blobs)
        }
        var refs = referenced()

        // Unreferenced content, and how long it has been so.
        var state = RemoteGCState()
        if let data = try attempt("GET gc state", { try backend.get(RemoteLayout.gcState, limit: 256 << 20) }),
           let s = try? JSONDecoder().decode(RemoteGCState.self, from: data), s.format == state.format {
            state = s
        }
        var next = RemoteGCState()
        var candidates: [(key: String, digest: Digest, size: Int64, tree: Bool)] = []
        let cutoff = now.timeIntervalSince1970 - grace
        func consider(_ o: RemoteObject, _ d: Digest, tree: Bool) {
            if tree ? refs.trees.contains(d) : refs.blobs.contains(d) { return }
            let first = state.unreferenced[o.key] ?? now.timeIntervalSince1970
            next.unreferenced[o.key] = first
            if first <= cutoff {
                candidates.append((o.key, d, o.size, tree))
            } else if !tree {
                report.waitingBlobs += 1
                report.waitingBytes += o.size
                let at = Date(timeIntervalSince1970: first + grace)
                report.nextDeletion = min(report.nextDeletion ?? at, at)
            }
        }
        for o in listedBlobs { if let d = RemoteLayout.digest(of: o.key, kind: "blobs") { consider(o, d, tree: false) } }
        for o in listedTrees { if let d = RemoteLayout.digest(of: o.key, kind: "trees") { consider(o, d, tree: true) } }

        try collectUploads(idleSince: Date(timeIntervalSince1970: cutoff), dryRun: dryRun, into: &report)

        if dryRun {
            for c in candidates where !c.tree { report.blobs += 1; report.blobBytes += c.size }
            report.trees = candidates.filter(\.tree).count
            return report
        }

        // A push may have written records since the first listing: what they reference stays.
        let relisted = try attempt("list records") { try backend.list("records/") }
        let changed = relisted.filter { known.tags[$0.key] != $0.tag }.map(\.key)
        for (_, record, _) in try read(changed) {
            guard let record else { continue }
            remaining[record.key] = record
            if treeBlobs[record.output] == nil { treeBlobs[record.output] = try blobs(ofTree: record.output) }
        }
        refs = referenced()
        var deletedBlobs = Set<Digest>(), deletedTrees = Set<Digest>()
        for c in candidates {
            if c.tree ? refs.trees.contains(c.digest) : refs.blobs.contains(c.digest) {
                report.rescued += 1
                next.unreferenced[c.key] = nil
                continue
            }
            try attempt("DELETE \(c.tree ? "tree" : "blob")") { try backend.delete(c.key) }
            next.unreferenced[c.key] = nil
            if c.tree { deletedTrees.insert(c.digest); report.trees += 1 }
            else { deletedBlobs.insert(c.digest); report.blobs += 1; report.blobBytes += c.size }
        }
        try attempt("PUT gc state") {
            try backend.put(RemoteLayout.gcState, data: try JSONEncoder().encode(next), ifAbsent: false)
        }

        // The window left: a push that found a blob with HEAD just before it went, and wrote its
        // record after the listing above. Such a record would be a miss for every reader; it
        // goes, so that the node is pushed again whole by the next build that runs it.
        if !deletedBlobs.isEmpty || !deletedTrees.isEmpty {
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
            let last = try attempt("list records") { try backend.list("records/") }
            let seen = Dictionary(relisted.map { ($0.key, $0.tag) }, uniquingKeysWith: { a, _ in a })
            for (objectKey, record, _) in try read(last.filter { seen[$0.key] != $0.tag }.map(\.key)) {
                guard let record else { continue }
                var names = deletedTrees.contains(record.output)
                if !names { names = try blobs(ofTree: record.output).map { !$0.isDisjoint(with: deletedBlobs) } ?? true }
                if names {
                    try attempt("DELETE record") { try backend.delete(objectKey) }
                    report.danglingRecords += 1
                }
            }
        }
        return report
    }

    /// Step 4 (any time: uploads reference nothing and nothing references them): uploads that
    /// have not moved since `cutoff` end. An upload a push is still sending, or resuming, has
    /// moved within the grace period, and is checked again right before it ends.
    private func collectUploads(idleSince cutoff: Date, dryRun: Bool, into report: inout RemoteGCReport) throws {
        let unfinished: [UnfinishedUpload]
        do {
            unfinished = try backend.unfinishedUploads()
        } catch let e as RemoteError where !e.isTransient {
            // Listing open uploads is a permission of its own on S3 (s3:ListBucketMultipartUploads):
            // without it the rest of gc is still worth doing, and the remote is not down.
            report.uploadsUnlisted = "\(e)"
            return
        } catch is RemoteError {
            unfinished = try attempt("list unfinished uploads") { try backend.unfinishedUploads() }
        }
        for u in unfinished where u.lastActive <= cutoff {
            if !dryRun {
                guard try attempt("end upload", { try backend.endUpload(u, idleSince: cutoff) }) else { continue }
            }
            report.uploads += 1
            report.uploadBytes += u.size
        }
    }

    /// `--max-size` on a remote: of the records the rules do not keep, the least recently
    /// pushed go first, and only until the blobs the remaining records reference fit in `max`.
    /// A remote does not learn when a record is read (readers may hold read-only credentials),
    /// so "least recently used" can only mean least recently pushed (the envelope's `pushed`,
    /// then the build's end). The size counts each blob once, whoever references it; blobs no
    /// record references are not counted: they go after the grace period whatever the size.
    private func leastRecentlyPushed(_ candidates: [ActionRecord], all: [ActionRecord], max: Int64, pushed: [Digest: Date],
                                     blobs listed: [RemoteObject], treeBlobs: [Digest: Set<Digest>?],
                                     report: inout RemoteGCReport) -> [ActionRecord] {
        var size: [Digest: Int64] = [:]
        for o in listed { if let d = RemoteLayout.digest(of: o.key, kind: "blobs") { size[d] = o.size } }
        var treeUsers: [Digest: Int] = [:]
        for r in all { treeUsers[r.output, default: 0] += 1 }
        var blobUsers: [Digest: Int] = [:]
        for t in treeUsers.keys { for b in (treeBlobs[t] ?? nil) ?? [] { blobUsers[b, default: 0] += 1 } }
        var bytes = blobUsers.keys.reduce(Int64(0)) { $0 + (size[$1] ?? 0) }
        func when(_ r: ActionRecord) -> Date { pushed[r.key] ?? r.provenance.end }
        let ordered = candidates.sorted { (when($0), $0.provenance.end) < (when($1), $1.provenance.end) }
        var going: [ActionRecord] = []
        for r in ordered {
            if bytes <= max { break }
            going.append(r)
            treeUsers[r.output, default: 1] -= 1
            guard treeUsers[r.output] == 0 else { continue }
            for b in (treeBlobs[r.output] ?? nil) ?? [] {
                blobUsers[b, default: 1] -= 1
                if blobUsers[b] == 0 { bytes -= size[b] ?? 0 }
            }
        }
        report.referencedBytes = bytes
        report.overBudget = bytes > max
        return going
    }
}
