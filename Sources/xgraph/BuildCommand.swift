import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphExecutors
import XGraphRemote

struct BuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Run every node whose key has no record in the store, in dependency order.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var experiment: ExperimentArguments
    @OptionGroup var machine: MachineOptions
    @OptionGroup var cluster: ExecutorOptions
    @OptionGroup var remote: RemoteOptions

    @Flag(name: .long, help: "Slurm: submit the whole remaining graph (jobs wait for their inputs' jobs) and exit; `xgraph status` follows it.")
    var detach = false

    // `-j2` as make and ninja take it, as well as `-j 2`.
    @Option(name: .customShort("j", allowingJoined: true), help: "Run at most N jobs at once (default: as many as --gpus, --cpus and --mem allow; each job holds its step's cpus, 1 by default).")
    var jobs: Int?

    @Flag(name: [.customShort("k"), .long], help: "Keep going: run everything that does not depend on a failure.")
    var keepGoing = false

    @Option(name: .long, help: "Run these nodes (globs) even if cached. Repeatable.")
    var force: [String] = []

    @Flag(name: .long, help: "Print one JSON event per line instead of text.")
    var json = false

    func validate() throws {
        if let j = jobs, j < 1 { throw ValidationError("-j must be at least 1") }
    }

    func run() async throws {
        do {
            let ws = try Workspace.open(file: experiment.file, storePath: store.store)
            let selection = try ws.selection(experiment.targets)
            var options = BuildOptions(jobs: jobs ?? 1024, keepGoing: keepGoing, force: force,
                                       builtinVersion: BuiltinSteps.version)
            try machine.apply(to: &options)
            options.records = ws.indexWriter()
            var pushing: RemotePushSink?
            if let (cache, mode) = try remote.open(ws, strict: false) {
                if mode.reads { options.remote = cache }
                if mode.writes {
                    pushing = RemotePushSink(next: options.records, remote: cache, store: ws.store, warn: RemoteOptions.warn)
                    options.records = pushing
                }
            }
            let terminal = !json && TerminalProgress.isTerminal ? TerminalProgress() : nil
            let observer: any BuildObserver
            if json { observer = JSONProgress() }
            else if let terminal { observer = terminal }
            else { observer = LineProgress(verbose: store.verbose) }
            let slurm = try cluster.slurmSettings(ws)
            if detach && slurm == nil { throw XGraphError.usage("--detach submits to Slurm: add --executor slurm (or `executor: slurm` in the file)") }
            let builder = Builder(graph: ws.graph, store: ws.store, executor: LocalExecutor(),
                                  renderer: CommandRenderer(builtinCommand: [try Self.trainProgram(for: ws)]),
                                  options: options, provenance: ws.provenance(),
                                  history: ws.durationHistory(), observer: observer, slurm: slurm)
            // One handler for the whole command: Ctrl-C while the probe waits cancels the probe,
            // a detached build stops between two submissions, never inside one.
            let interruption = Interruption()
            if slurm != nil {
                let detach = self.detach
                let result = await interruption.run { () async throws -> DetachReport? in
                    try await builder.slurmPreflight(toRun: try builder.nodesToRun(selection: selection), detached: detach)
                    return detach ? try await builder.detach(selection: selection) : nil
                }
                let file = experiment.file ?? Workspace.defaultFile
                switch result {
                case .failure(let e) where e is CancellationError:
                    Console.err("interrupted; jobs already submitted stay queued: `xgraph status \(file)` follows them, `xgraph cancel \(file)` stops them\n")
                    XGraph.finish(128 + (interruption.received ?? SIGINT))
                case .failure(let e): throw e
                case .success(let report?):
                    print(SlurmReport.detached(report, file: file))
                    XGraph.finish(report.blocked.isEmpty ? 0 : 1)
                case .success(nil): break
                }
            }
            let summary = try await interruption.run { try await builder.build(selection: selection) }.get()
            terminal?.finish()
            if summary.cancelled, let slurm { await SlurmReport.afterInterrupt(slurm.executor, file: experiment.file ?? Workspace.defaultFile) }
            var text = BuildReport.render(summary, provenance: { builder.provenance })
            if let p = pushing?.pushed, p.nodes > 0 {
                text += "\npushed \(p.nodes) node\(p.nodes == 1 ? "" : "s") (\(ByteSize.text(p.bytes))) to \(pushing?.remote.url.text ?? "the remote")"
            }
            if json { Console.err(text + "\n") } else { print(text) }
            // A cancelled build ends as shells report the signal that stopped it (130 for ^C).
            XGraph.finish(summary.succeeded ? 0 : summary.cancelled ? 128 + (interruption.received ?? SIGINT) : 1)
        } catch {
            XGraph.fail(error)
        }
    }

    /// `xgraph-train` next to the running binary, so builtin steps run the version that planned
    /// them; an error before anything runs if the graph has builtin steps and it is missing.
    static func trainProgram(for ws: Workspace) throws -> String {
        let path = RunningProgram.sibling(BuiltinSteps.programName)
        let needed = ws.graph.nodes.contains { if case .builtin = $0.kind { return true }; return false }
        if needed && !FileManager.default.isExecutableFile(atPath: path) {
            throw XGraphError.usage("builtin steps need \(BuiltinSteps.programName) next to xgraph (\(path)); `make build` builds both")
        }
        return path
    }
}

/// What this machine offers the scheduler.
struct MachineOptions: ParsableArguments {
    @Option(name: .long, help: "GPUs to use: a count (4) or device ids (0,2,3). Default: nvidia-smi, restricted by CUDA_VISIBLE_DEVICES.")
    var gpus: String?

    @Option(name: .long, help: "CPU slots to hand out (default: the number of CPUs).")
    var cpus: Int?

    @Option(name: .long, help: "Memory to hand out, e.g. 64G (default: physical memory).")
    var mem: String?

    /// Sets the options' GPUs, CPU slots and memory. Without `--gpus` the GPUs are detected
    /// (nvidia-smi) only if something needs them.
    func apply(to options: inout BuildOptions) throws {
        if let g = gpus {
            let ids = try GPUInventory.parse(flag: g)
            options.findGPUs { (ids, nil) }
        } else {
            options.findGPUs {
                let inv = GPUInventory.detect(environment: ProcessInfo.processInfo.environment)
                for w in inv.warnings { Console.err("xgraph: warning: \(w)\n") }
                return (inv.ids, inv.model)
            }
        }
        if let c = cpus { options.cpus = c }
        if let m = try memMB() { options.memMB = m }
    }

    /// Bounds what the pool is built from: it holds one id per GPU, and `--gpus 100000000`
    /// spent its time building them instead of running anything.
    func validate() throws {
        if let c = cpus, !(0...Resources.maxCPUs).contains(c) {
            throw ValidationError("--cpus: at most \(Resources.maxCPUs) CPU slots (and not negative), found \(c)")
        }
        if let g = gpus {
            let text = g.trimmingCharacters(in: .whitespaces)
            let count = text.contains(",") ? text.split(separator: ",", omittingEmptySubsequences: false).count : Int(text) ?? 0
            if count > Resources.maxGPUs {
                throw ValidationError("--gpus: at most \(Resources.maxGPUs) GPUs, found \(count)")
            }
        }
    }

    func memMB() throws -> Int? {
        guard let m = mem else { return nil }
        switch MemorySize.read(m) {
        case .value(let v): return v
        case .malformed: throw XGraphError.usage("--mem \(m): expected a size like 512M, 64G or 1T")
        case .tooLarge: throw XGraphError.usage("--mem \(m): at most \(MemorySize.maxText)")
        }
    }
}
