import Foundation
import XGraphCore

/// What the cluster has free now, node by node, from one `sinfo` call: for `plan --executor
/// slurm`, whose wall time should be the cluster's, not the login node's. A snapshot: the
/// queue moves, and other users' jobs take what is free; the plan says so.
public struct SlurmCapacity: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        public var name: String
        public var partitions: [String]
        public var idleCPUs: Int
        public var totalCPUs: Int
        public var gpus: Int
        public var usedGPUs: Int
        /// False for nodes that take no jobs (down, drained, failing, not responding).
        public var usable: Bool
    }

    public var nodes: [Node]
    /// The partition jobs go to when a profile names none.
    public var defaultPartition: String?

    public init(nodes: [Node], defaultPartition: String?) {
        self.nodes = nodes; self.defaultPartition = defaultPartition
    }

    /// Free and total CPUs and GPUs of the usable nodes of some partitions, each node counted
    /// once (partitions may share nodes: the test cluster's `cpu` and `gpu` are one machine).
    public struct Free: Sendable, Equatable {
        public var cpus = 0, gpus = 0, totalCPUs = 0, totalGPUs = 0, nodes = 0
        public init(cpus: Int = 0, gpus: Int = 0, totalCPUs: Int = 0, totalGPUs: Int = 0, nodes: Int = 0) {
            self.cpus = cpus; self.gpus = gpus; self.totalCPUs = totalCPUs; self.totalGPUs = totalGPUs; self.nodes = nodes
        }
    }

    public func free(in partitions: [String]) -> Free {
        var f = Free()
        for n in nodes where n.usable && n.partitions.contains(where: partitions.contains) {
            f.nodes += 1
            f.cpus += n.idleCPUs; f.totalCPUs += n.totalCPUs
            f.gpus += max(0, n.gpus - n.usedGPUs); f.totalGPUs += n.gpus
        }
        return f
    }

    public static func read(_ client: SlurmClient) async throws -> SlurmCapacity {
        // One line per node and partition: name, partition (the default marked *), CPUs as
        // allocated/idle/other/total, generic resources configured and in use, state.
        let out = try await client.run("sinfo", ["--noheader", "--Node",
                                                 "--Format=NodeList:|,Partition:|,CPUsState:|,Gres:|,GresUsed:|,StateCompact:|"])
        guard out.succeeded else { throw XGraphError.build("sinfo failed: \(out.message)") }
        return parse(out.stdout)
    }

    /// States in which a node takes no new job. `mix`, `idle`, `alloc` and `comp` take them
    /// (alloc has no idle CPU anyway); a `*` suffix means the node does not respond.
    static let unusable = ["down", "drain", "drng", "drained", "draining", "fail", "failg", "maint", "inval",
                           "future", "unk", "powered_down", "powering_down", "pow_dn", "npc", "boot", "reboot"]

    /// Reads `read`'s sinfo output (public for tests with recorded output).
    public static func parse(_ text: String) -> SlurmCapacity {
        var byName: [String: Node] = [:]
        var order: [String] = []
        var defaultPartition: String?
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count >= 6, !f[0].isEmpty, !f[1].isEmpty else { continue }
            var partition = f[1]
            if partition.hasSuffix("*") { partition.removeLast(); defaultPartition = partition }
            let cpus = f[2].split(separator: "/").map { Int($0) ?? 0 }
            let state = f[5].lowercased()
            let usable = !state.hasSuffix("*") && !state.hasSuffix("~") && !unusable.contains { state.hasPrefix($0) }
            if var n = byName[f[0]] {
                if !n.partitions.contains(partition) { n.partitions.append(partition) }
                byName[f[0]] = n
                continue
            }
            byName[f[0]] = Node(name: f[0], partitions: [partition],
                                idleCPUs: cpus.count == 4 ? cpus[1] : 0, totalCPUs: cpus.count == 4 ? cpus[3] : 0,
                                gpus: SlurmGres.gpus(f[3]), usedGPUs: SlurmGres.gpus(f[4]), usable: usable)
            order.append(f[0])
        }
        return SlurmCapacity(nodes: order.compactMap { byName[$0] }, defaultPartition: defaultPartition)
    }
}

/// GPU counts in Slurm's generic-resource text.
enum SlurmGres {
    /// GPUs in `gpu:2`, `gpu:a100:4(S:0-1)`, `gpu:a100:2(IDX:0-1),gpu:v100:1(IDX:3)`,
    /// `gpu:1,shard:4` or `gpu:(null):1(IDX:0)`; 0 for `(null)` or none. The socket or index
    /// list in parentheses holds ':' too, so it is cut off before the count is read.
    static func gpus(_ gres: String) -> Int {
        var total = 0
        var depth = 0, item = ""
        func take() {
            let parts = item.split(separator: ":")
            if parts.first == "gpu", parts.count >= 2, let last = parts.last { total += Int(last.prefix { $0.isNumber }) ?? 0 }
            item = ""
        }
        for c in gres {
            switch c {
            case "(" where !item.hasSuffix(":"): depth += 1
            case ")" where depth > 0: depth -= 1
            case "," where depth == 0: take()
            default: if depth == 0 { item.append(c) }
            }
        }
        take()
        return total
    }
}
