import Foundation
import XGraphTrainer

/// Issue 3's figures: raw sgemm GFLOP/s against the trainer's GFLOP/s in a real training loop
/// (target ≥ 70 %), training examples/s per capacity, and the demo's wall time.
enum TrainerBench {
    static let capacities: [(name: String, width: Int, depth: Int)] = [("small", 128, 1), ("medium", 256, 2), ("large", 512, 3)]

    static func run(xgraph: String, scratch: String, demo: Bool) throws {
        say("\n== built-in CPU backend (OpenBLAS)")
        let raw = TrainerBenchmark.sgemmGFLOPS(n: 1024, repeats: 20)
        say("  raw cblas_sgemm 1024×1024: \(String(format: "%.1f", raw)) GFLOP/s (the trainer's thread setting)")
        for c in capacities {
            let r = TrainerBenchmark.trainingThroughput(width: c.width, depth: c.depth, batchSize: 128, examples: 20_000)
            say("  \(c.name) (width \(c.width), depth \(c.depth)): \(String(format: "%.0f", r.examplesPerSecond)) examples/s,"
                  + " \(String(format: "%.1f", r.gflops)) GFLOP/s = \(String(format: "%.0f", 100 * r.gflops / raw)) % of raw (target ≥ 70 %)")
        }
        guard demo else { return }
        // The checkout whose build folder holds xgraph: the first parent with experiments/.
        var repo = URL(fileURLWithPath: xgraph).resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: repo.appendingPathComponent("experiments").path), repo.path != "/" {
            repo = repo.deletingLastPathComponent()
        }
        let dir = scratch + "/demo"
        try FileManager.default.copyItem(atPath: repo.appendingPathComponent("experiments").path, toPath: dir)
        let first = spawnMeasured([xgraph, "build", "fashion-scaling.yaml"], cwd: dir)
        let second = spawnMeasured([xgraph, "build", "fashion-scaling.yaml"], cwd: dir)
        say("  demo study (experiments/fashion-scaling.yaml, fresh store): \(String(format: "%.0f s", first.seconds))"
              + " (target < 600 s, exit \(first.status)); second build \(String(format: "%.2f s", second.seconds))")
    }
}
