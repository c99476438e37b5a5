import Foundation

/// The closing lines of `xgraph build`: one line when nothing had to run; otherwise what ran,
/// what was cut off early, and every failed node with its log.
public enum BuildReport {
    public static func render(_ s: BuildSummary, provenance: () -> BuildProvenance) -> String {
        var lines: [String] = []
        if s.ran.isEmpty && s.failed.isEmpty && s.blocked.isEmpty && s.notStarted.isEmpty && !s.cancelled {
            var line = "nothing to do: all \(s.selected) nodes up to date"
            if !s.cutOff.isEmpty { line += " (\(s.cutOff.count) cut off early)" }
            if !s.builtElsewhere.isEmpty { line += " (\(s.builtElsewhere.count) built by another build)" }
            if !s.fetched.isEmpty { line += " (\(s.fetched.count) fetched from the remote)" }
            return line
        }
        let provenance = provenance()
        if provenance.gitCommit == nil {
            lines.append("note: not in a git repository (or no commit yet): results carry no commit")
        } else if provenance.gitDirty == true {
            lines.append("note: uncommitted changes: results are tagged dirty with a digest of the diff")
        }
        for f in s.failed {
            lines.append("failed: \(f.node): \(f.status)")
            guard let log = f.log else { continue }
            // The step's own last words, so a failure reads without opening the log.
            let output = LogTail.lines(log, count: 6).filter { !$0.hasPrefix("xgraph: ") }.suffix(5)
            lines += output.map { "  | " + $0 }
            lines.append("  log: \(log)")
        }
        for b in s.blocked { lines.append("blocked: \(b.node) (input \(b.by) failed)") }
        var total = "built \(s.ran.count), cached \(s.cached)"
        if !s.cutOff.isEmpty { total += ", cut off early \(s.cutOff.count)" }
        if !s.builtElsewhere.isEmpty { total += ", built by another build \(s.builtElsewhere.count)" }
        if !s.fetched.isEmpty { total += ", fetched from the remote \(s.fetched.count)" }
        if !s.failed.isEmpty { total += ", failed \(s.failed.count)" }
        if !s.blocked.isEmpty { total += ", blocked \(s.blocked.count)" }
        if !s.notStarted.isEmpty { total += ", not started \(s.notStarted.count)" }
        total += " of \(s.selected) nodes"
        if s.cancelled { total += "; cancelled: the next build resumes from here" }
        lines.append(total)
        return lines.joined(separator: "\n")
    }
}
