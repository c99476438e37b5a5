import Foundation

/// Issue targets for the store's lifecycle: `gc --dry-run`, `gc` and `du` on a store of 10,000
/// nodes each in seconds, and gc's cost growing linearly with the store. Runs on the stores the
/// graph section built (981 and 9,911 nodes), after every section that creates files: a gc
/// frees inodes, which slows file creation on ext4 for a while (see main.swift).
enum GCBench {
    static func run(xgraph: String, scratch: String) {
        say("\n== store lifecycle: du and gc (the graph section's stores)")
        var perNode: [(nodes: Int, seconds: Double)] = []
        for n in [981, 9911] {
            let dir = scratch + "/graph-\(n)"
            guard FileManager.default.fileExists(atPath: dir + "/cache/records") else {
                say("  \(n) nodes: no store (run without --skip-graph)"); continue
            }
            let du = spawnMeasured([xgraph, "du", "study.yaml"], cwd: dir)
            let keepCurrent = spawnMeasured([xgraph, "gc", "study.yaml", "--dry-run"], cwd: dir)
            let dryAll = spawnMeasured([xgraph, "gc", "--keep-days", "0", "--dry-run"], cwd: dir)
            let all = spawnMeasured([xgraph, "gc", "--keep-days", "0", "--yes"], cwd: dir)
            guard [du, keepCurrent, dryAll, all].allSatisfy({ $0.status == 0 }) else {
                say("  \(n) nodes: a command failed (du \(du.status), gc \(keepCurrent.status)/\(dryAll.status)/\(all.status))"); continue
            }
            let records = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/cache/records"))?.count ?? -1
            say("  \(n) nodes: `du FILE` \(ms(du.seconds)), `gc FILE --dry-run` \(ms(keepCurrent.seconds)) (plans the file, keeps all), "
                + "`gc --keep-days 0 --dry-run` \(ms(dryAll.seconds)), `gc --keep-days 0` \(ms(all.seconds)) (deletes every node; "
                + "\(records) record folders left); peak RSS \(String(format: "%.0f MB", [du, keepCurrent, dryAll, all].map(\.maxRSSMB).max() ?? 0))"
                + " (target: each in seconds)")
            perNode.append((n, all.seconds))
        }
        if perNode.count == 2 {
            let (a, b) = (perNode[0], perNode[1])
            let ratio = (b.seconds / Double(b.nodes)) / (a.seconds / Double(a.nodes))
            say("  gc per node: \(ms(a.seconds / Double(a.nodes))) at \(a.nodes), \(ms(b.seconds / Double(b.nodes))) at \(b.nodes): "
                + "ratio \(String(format: "%.2f", ratio)) (1.0 = linear; process start-up makes the small store's figure larger)")
        }
    }
}
