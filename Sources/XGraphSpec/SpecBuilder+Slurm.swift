import Foundation
import XGraphCore
import Yams

/// `executor:` at file level and `slurm:` per step: where Slurm places a step's jobs. Every value
/// is checked here, at its line, because sbatch would otherwise refuse a job only once a build
/// reaches it, hours in, or silently let a copy of an option xgraph writes itself win.
extension SpecBuilder {
    static let slurmKeys = ["partition", "account", "qos", "constraint", "reservation", "sbatch_args", "signal_before_end", "max_running"]
    static let executorKinds = ExecutorKind.allCases.map(\.rawValue)
    /// sbatch(1): `--signal`'s sig_time is at most 65535 seconds.
    static let maxSignalSeconds = 65535

    /// `executor: slurm`, `executor: local`, or `executor: {slurm: {...profile...}}`.
    /// `{local: ...}` takes no fields (null or `{}`): the local executor places jobs itself.
    func executor(_ node: Yams.Node, r: YAMLReader) throws -> (ExecutorKind, SlurmProfile) {
        let valid = " valid executors: " + SpecBuilder.executorKinds.joined(separator: ", ")
        func kind(_ name: String, at n: Yams.Node) throws -> ExecutorKind {
            guard let k = ExecutorKind(rawValue: name) else {
                throw r.fail(n, "unknown executor '\(name)'" + NameSuggestions.didYouMean(name, in: SpecBuilder.executorKinds) + valid)
            }
            return k
        }
        guard case .mapping = node else {
            guard case .scalar = node, !r.isNull(node) else {
                throw r.fail(node, "'executor' must be local, slurm or a mapping such as { slurm: { partition: gpu } }, "
                    + "found \(r.describe(node))")
            }
            return (try kind(try r.string(node, "executor"), at: node), SlurmProfile())
        }
        let entries = try r.mapping(node, "'executor'")
        guard entries.count == 1, let only = entries.first else {
            throw r.fail(node, "'executor' as a mapping has exactly one key, the executor, as in "
                + "{ slurm: { partition: gpu } }; found \(entries.count) keys;" + valid)
        }
        switch try kind(only.key, at: only.keyNode) {
        case .slurm:
            return (.slurm, try slurmProfile(only.value, "'slurm' of 'executor'", r: r, resume: nil))
        case .local:
            if case .mapping(let m) = only.value, m.count == 0 { return (.local, SlurmProfile()) }
            guard r.isNull(only.value) else {
                throw r.fail(only.value, "executor 'local' takes no fields (it runs jobs on this machine); write "
                    + "'executor: local', or 'executor: { slurm: {...} }' for a Slurm profile")
            }
            return (.local, SlurmProfile())
        }
    }

    /// A profile mapping (null is the empty profile). `resume` is the step's, nil at file level:
    /// `signal_before_end` on a step without `resume: true` would never be used.
    func slurmProfile(_ node: Yams.Node, _ what: String, r: YAMLReader, resume: Bool?) throws -> SlurmProfile {
        var p = SlurmProfile()
        guard !r.isNull(node) else { return p }
        let k = try r.mapping(node, what, validKeys: SpecBuilder.slurmKeys)
        // Slurm takes lists of partitions and of reservations, one account and one QOS.
        p.partition = try k["partition"].map { try slurmName($0.value, "partition", list: true, r: r) }
        p.account = try k["account"].map { try slurmName($0.value, "account", list: false, r: r) }
        p.qos = try k["qos"].map { try slurmName($0.value, "qos", list: false, r: r) }
        p.reservation = try k["reservation"].map { try slurmName($0.value, "reservation", list: true, r: r) }
        if let c = k["constraint"] {
            // Constraints are expressions (`a100&ib`, `[rack1|rack2]*2`): only emptiness and
            // control characters, which would break the sbatch script's lines, are refused.
            let text = try r.string(c.value, "constraint")
            guard !text.isEmpty else { throw r.fail(c.value, "'constraint' is empty; give a feature such as a100, or leave it out") }
            if let bad = text.unicodeScalars.first(where: SpecBuilder.isControl) {
                throw r.fail(c.value, "'constraint' contains a control character (\(SpecBuilder.codePoint(bad))); "
                    + "a constraint is features joined by &, |, [], * and the like")
            }
            p.constraint = text
        }
        if let a = k["sbatch_args"], !r.isNull(a.value) {
            p.sbatchArgs = try r.sequenceOrScalar(a.value, "sbatch_args").map { try sbatchArgument($0, r: r) }
        }
        if let s = k["signal_before_end"] {
            if resume == false {
                throw r.fail(s.keyNode, "'signal_before_end' is only used by steps with 'resume: true' "
                    + "(it warns the step to save its state before the job is requeued)")
            }
            p.signalSeconds = try signalSeconds(s.value, r: r)
        }
        p.maxRunning = try k["max_running"].map { try r.int($0.value, "max_running", in: 1...SlurmProfile.mostRunning) }
        return p
    }

    /// A partition, account, QOS or reservation name: one word, as Slurm's names are.
    private func slurmName(_ node: Yams.Node, _ field: String, list: Bool, r: YAMLReader) throws -> String {
        let text = try r.string(node, field)
        let shape = list ? "a \(field) name, or a comma-separated list of them," : "one \(field) name"
        guard !text.isEmpty else { throw r.fail(node, "'\(field)' is empty; give \(shape) or leave it out") }
        if let bad = text.unicodeScalars.first(where: { SpecBuilder.isControl($0) || $0.properties.isWhitespace }) {
            let which = SpecBuilder.isControl(bad) ? "a control character" : "whitespace"
            throw r.fail(node, "'\(field)' \(JSONValue.string(text).canonical) contains \(which) (\(SpecBuilder.codePoint(bad))); "
                + "give \(shape) without spaces")
        }
        if list {
            guard !text.split(separator: ",", omittingEmptySubsequences: false).contains(where: \.isEmpty) else {
                throw r.fail(node, "'\(field)' '\(text)' has an empty name in its list; separate names with single commas")
            }
        } else if text.contains(",") {
            throw r.fail(node, "'\(field)' '\(text)' is a list; Slurm takes \(shape)")
        }
        return text
    }

    private func sbatchArgument(_ node: Yams.Node, r: YAMLReader) throws -> String {
        let word = try r.string(node, "sbatch_args")
        if let problem = SbatchOptions.problem(with: word) { throw r.fail(node, problem) }
        return word
    }

    private func signalSeconds(_ node: Yams.Node, r: YAMLReader) throws -> Int {
        let seconds = try duration(node, "signal_before_end", r)
        let limit = SpecBuilder.maxSignalSeconds
        guard seconds >= 1, seconds <= Double(limit), seconds == seconds.rounded(), let whole = Int(exactly: seconds) else {
            throw r.fail(node, "'signal_before_end' must be whole seconds from 1s to \(limit)s (18:12:15, the most "
                + "Slurm's --signal takes), found \(node.scalar?.string ?? r.describe(node))")
        }
        return whole
    }

    static func isControl(_ c: Unicode.Scalar) -> Bool { c.properties.generalCategory == .control }

    static func codePoint(_ c: Unicode.Scalar) -> String {
        let hex = String(c.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
