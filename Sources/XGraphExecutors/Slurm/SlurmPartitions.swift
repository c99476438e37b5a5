import Foundation
import XGraphCore

/// What each partition can give one job, read from `sinfo` once before anything is submitted,
/// so a step that asks for more than any node of its partition has fails at once with the
/// node's name instead of pending forever (or being refused halfway through a build).
public struct SlurmPartitions: Sendable {
    public struct Partition: Sendable, Equatable {
        public var name: String
        public var isDefault: Bool
        /// The largest node of the partition: CPUs, memory (MB), GPUs.
        public var cpus: Int
        public var memMB: Int
        public var gpus: Int
        /// Seconds; nil for no limit.
        public var timeLimit: Double?
    }

    public var partitions: [Partition]

    public init(partitions: [Partition]) { self.partitions = partitions }

    public static func read(_ client: SlurmClient) async throws -> SlurmPartitions {
        // One line per partition and node configuration: %P partition (default marked *),
        // %c CPUs per node, %m memory per node (MB), %G generic resources, %l time limit.
        let out = try await client.run("sinfo", ["--noheader", "--format=%P|%c|%m|%G|%l"])
        guard out.succeeded else { throw XGraphError.build("sinfo failed: \(out.message)") }
        return parse(out.stdout)
    }

    static func parse(_ text: String) -> SlurmPartitions {
        var byName: [String: Partition] = [:]
        var order: [String] = []
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count >= 5, !f[0].isEmpty else { continue }
            let isDefault = f[0].hasSuffix("*")
            let name = isDefault ? String(f[0].dropLast()) : f[0]
            let p = Partition(name: name, isDefault: isDefault, cpus: leadingInt(f[1]), memMB: leadingInt(f[2]),
                              gpus: gpuCount(f[3]), timeLimit: seconds(f[4]))
            if var old = byName[name] {
                old.cpus = max(old.cpus, p.cpus); old.memMB = max(old.memMB, p.memMB); old.gpus = max(old.gpus, p.gpus)
                old.isDefault = old.isDefault || isDefault
                byName[name] = old
            } else {
                byName[name] = p; order.append(name)
            }
        }
        return SlurmPartitions(partitions: order.compactMap { byName[$0] })
    }

    /// Why a job with `resources` cannot run in `partition` (nil: the default partition), or nil
    /// when some node of it fits. A comma list of partitions fits if one of them does.
    public func misfit(_ resources: Resources, partition: String?) -> String? {
        let names = partition.map { $0.split(separator: ",").map(String.init) } ?? []
        let candidates = candidates(partition)
        guard !candidates.isEmpty else {
            let known = partitions.map(\.name).joined(separator: ", ")
            if names.isEmpty { return "the cluster has no default partition; set one in the profile (partitions: \(known))" }
            return "partition \(partition ?? "") does not exist (sinfo lists: \(known))"
        }
        var reasons: [String] = []
        for p in candidates {
            if resources.gpus > p.gpus { reasons.append("asks for \(resources.gpus) GPU\(resources.gpus == 1 ? "" : "s"); the largest node of partition \(p.name) has \(p.gpus)") }
            else if resources.cpus > p.cpus { reasons.append("asks for \(resources.cpus) CPUs; the largest node of partition \(p.name) has \(p.cpus)") }
            else if p.memMB > 0 && resources.memMB > p.memMB { reasons.append("asks for \(resources.memMB) MB of memory; the largest node of partition \(p.name) has \(p.memMB) MB") }
            else if let limit = p.timeLimit, let t = resources.timeSeconds, t + SlurmJobRequest.timeMargin > limit {
                reasons.append("asks for a time limit of \(Int(t)) s (plus \(Int(SlurmJobRequest.timeMargin)) s for xgraph); partition \(p.name) allows \(Int(limit)) s")
            } else { return nil }
        }
        return reasons.joined(separator: "; ")
    }

    /// The partitions a job of `partition` may run in: those it names (a comma list), else the
    /// default one.
    private func candidates(_ partition: String?) -> [Partition] {
        let names = partition.map { $0.split(separator: ",").map(String.init) } ?? []
        return names.isEmpty ? partitions.filter(\.isDefault) : partitions.filter { names.contains($0.name) }
    }

    /// The partition (with its limit in seconds) whose time limit a job asking for `seconds`,
    /// plus xgraph's margin, exceeds; nil when one of the job's partitions allows it, or when
    /// none is known (`misfit` reports that). Of a list none of which allows it, the one with
    /// the longest limit: the nearest to fitting. For a grouped job's `max_time`, which
    /// replaces its nodes' own time (Grouped jobs, docs/slurm.md).
    public func timeLimitExceeded(_ seconds: Double, partition: String?) -> (name: String, limit: Double)? {
        var nearest: (name: String, limit: Double)?
        for p in candidates(partition) {
            guard let limit = p.timeLimit, seconds + SlurmJobRequest.timeMargin > limit else { return nil }
            if limit > nearest?.limit ?? -1 { nearest = (p.name, limit) }
        }
        return nearest
    }

    static func leadingInt(_ s: String) -> Int {
        Int(s.prefix { $0.isNumber }) ?? 0
    }

    /// GPUs in a gres string such as `gpu:2`, `gpu:a100:4(S:0-1)` or `gpu:1,shard:4`. (Splitting
    /// on ':' alone read `gpu:a100:4(S:0-1)` as 0 GPUs, and refused every GPU step there.)
    static func gpuCount(_ gres: String) -> Int {
        SlurmGres.gpus(gres)
    }

    /// Slurm's time limit text (`infinite`, `30:00`, `1-00:00:00`, `2:00:00`) in seconds.
    static func seconds(_ text: String) -> Double? {
        if text.isEmpty || text == "infinite" || text == "UNLIMITED" || text == "n/a" { return nil }
        var days = 0
        var rest = Substring(text)
        if let dash = rest.firstIndex(of: "-") {
            guard let d = Int(rest[..<dash]) else { return nil }
            days = d; rest = rest[rest.index(after: dash)...]
        }
        let nums = rest.split(separator: ":").map { Int($0) }
        guard !nums.contains(nil) else { return nil }
        let v = nums.compactMap { $0 }
        var s = 0
        switch v.count {
        case 1: s = v[0] * 60            // minutes
        case 2: s = v[0] * 60 + v[1]     // minutes:seconds
        case 3: s = v[0] * 3600 + v[1] * 60 + v[2]
        default: return nil
        }
        return Double(days * 86_400 + s)
    }
}
