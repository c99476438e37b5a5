import Foundation
import XGraphCore

extension GCRules {
    /// The keys the rules keep among `records`: by key, commit or age, or because `alsoKeep`
    /// says so (the local gc's pins and leases), then the records each kept one was built from,
    /// recursively. One computation for the store's gc and the remote's (RemoteGC), so both
    /// keep exactly the same things. `extra` counts the records only `alsoKeep` kept.
    public func kept(_ records: [ActionRecord], alsoKeep: (ActionRecord) -> Bool = { _ in false }) -> (keys: Set<Digest>, extra: Int) {
        var keep = Set<Digest>()
        var extra = 0
        var recordOf: [Digest: ActionRecord] = [:]
        var producers: [Digest: [Digest]] = [:]  // output tree → keys that produced it
        for r in records {
            recordOf[r.key] = r
            producers[r.output, default: []].append(r.key)
            if keys.contains(r.key) || r.provenance.gitCommit.map(commits.contains) == true
                || newerThan.map({ r.provenance.end >= $0 }) == true {
                keep.insert(r.key)
            } else if alsoKeep(r) {
                // Asked only of what no rule keeps: the store's look-up opens a file.
                extra += 1
                keep.insert(r.key)
            }
        }
        var stack = Array(keep)
        while let k = stack.popLast() {
            guard let r = recordOf[k] else { continue }
            for input in r.inputs.values {
                for p in producers[input] ?? [] where keep.insert(p).inserted { stack.append(p) }
            }
        }
        return (keep, extra)
    }
}
