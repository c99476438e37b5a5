import Foundation
import XGraphBuild
import XGraphCore
import XGraphGraph
import XGraphSpec
import XGraphStore
import XGraphTrainer

// `make bench`: every figure is measured in this one run, on this machine, and printed with the
// target it is held against. Nothing here is asserted: the machine is shared and noisy.

let args = Set(CommandLine.arguments.dropFirst())
let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
let xgraph = exe.appendingPathComponent("xgraph").path
guard FileManager.default.isExecutableFile(atPath: xgraph) else {
    say("xgraph-bench: build the xgraph binary first (make bench does)")
    exit(1)
}
// `--plan-loop=DIR`: only the in-process no-op plan of a kept study, for profiling.
if let dir = args.first(where: { $0.hasPrefix("--plan-loop=") }) {
    try PlanLoop.run(dir: String(dir.dropFirst("--plan-loop=".count)))
    exit(0)
}
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("xgraph-bench-\(getpid())").path
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
// `--keep-scratch` leaves the generated studies and their stores behind, for profiling.
defer { if !args.contains("--keep-scratch") { try? FileManager.default.removeItem(atPath: scratch) } }

say("xgraph-bench \(XGraphVersion.string), \(ProcessInfo.processInfo.activeProcessorCount) CPUs")
// The sections whose figures are file creations (per executed node) come first, and no section
// deletes anything before the end: on ext4 without a journal every inode freed in the last
// seconds to minutes slows each file creation in its block group, so a section run after
// another's deletion (or after builds of steps with identical outputs, each of which frees its
// output folder) measures that deletion (docs/architecture.md, "ext4 and freed inodes").
// `--large` adds the 50k-node graph (many minutes): never part of `make test`.
// `--outputs-shape=S,C,T` (sizes, capacities, tasks) runs the outputs section on that one graph
// instead, with the large graph's settings: a smaller stand-in to check the `--large` path.
let outputsShape = args.first { $0.hasPrefix("--outputs-shape=") }.map { String($0.dropFirst("--outputs-shape=".count)) }
if !args.contains("--skip-outputs") {
    try OutputsBench.run(xgraph: xgraph, scratch: scratch, large: args.contains("--large"), shape: outputsShape,
                         keep: args.contains("--keep-scratch"))
}
if !args.contains("--skip-scheduler") { try SchedulerBench.run(xgraph: xgraph, scratch: scratch) }
if !args.contains("--skip-hashing") { try HashingBench.run(scratch: scratch) }
if !args.contains("--skip-graph") { try GraphBench.run(xgraph: xgraph, scratch: scratch) }
if !args.contains("--skip-report") { try ReportBench.run(xgraph: xgraph, scratch: scratch) }
if !args.contains("--skip-trainer") { try TrainerBench.run(xgraph: xgraph, scratch: scratch, demo: !args.contains("--skip-demo"), mlp: !args.contains("--skip-mlp")) }
// `--slurm-grouped-only` runs only the grouped comparison of the Slurm section, and
// `--slurm-grouped-slots=N` declares N CPUs on its cluster instead of 128 (both for working on it).
let groupedSlots = args.first { $0.hasPrefix("--slurm-grouped-slots=") }.flatMap { Int($0.dropFirst("--slurm-grouped-slots=".count)) }
if !args.contains("--skip-slurm") {
    try SlurmBench.run(xgraph: xgraph, scratch: scratch, groupedOnly: args.contains("--slurm-grouped-only"),
                       groupedSlots: max(1, groupedSlots ?? SlurmBench.groupedSlotsDefault))
}
// The remote cache's transfers against a local S3 server (about two minutes). It frees its 1 GB files
// at its end, so it comes after the sections that count file creations.
if !args.contains("--skip-remote") { RemoteBench.run(xgraph: xgraph, scratch: scratch) }
// Deletes every node of the graph section's stores: after every section that creates files.
if !args.contains("--skip-gc") { GCBench.run(xgraph: xgraph, scratch: scratch) }
// Pure computation on simulated studies: last, so it measures no file system state.
// `--science=C,D` runs C calibration and D design studies instead of 200 and 20 (quicker checks).
let science = args.first { $0.hasPrefix("--science=") }.map { $0.dropFirst("--science=".count).split(separator: ",").compactMap { Int($0) } }
if !args.contains("--skip-science") {
    ScienceBench.run(studies: science?.first ?? 200, designStudies: science?.dropFirst().first ?? 20)
}
