import Foundation
import Subprocess
import XGraphCore
#if canImport(System)
import System
#else
import SystemPackage
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a job's command on this machine with `/bin/sh -c`, or, when sh would only pass its
/// words on to one program, that program directly (ExecForm).
///
/// The child leads its own session (so its process group is its own and a terminal's Ctrl-C
/// reaches xgraph, which decides how to stop it); stdout and stderr go straight to the job's
/// log, opened with O_APPEND, with no pipe through xgraph. A time limit or a cancelled
/// calling task sends SIGTERM to the whole process group and SIGKILL after `gracePeriod`.
/// When the shell has ended, whatever it left running in its group is stopped the same way,
/// so a job never outlives its result.
public struct LocalExecutor: Executor {
    /// "local", or "slurm" for the node runner of a Slurm job (recorded in provenance).
    public let name: String
    /// Signals passed on to running jobs (SIGUSR1 on Slurm), if any.
    public let forwarder: SignalForwarder?
    /// Seconds between SIGTERM and SIGKILL when stopping a job's process group.
    public var gracePeriod: Double
    /// The environment jobs inherit: this process's, as it was when the executor was made.
    /// Read once, because `.inherit` reads and converts it again for every job.
    private let inherited: [Environment.Key: String]

    public init(gracePeriod: Double = 10, name: String = "local", forwarder: SignalForwarder? = nil) {
        self.gracePeriod = gracePeriod
        self.name = name; self.forwarder = forwarder
        var env: [Environment.Key: String] = [:]
        for (k, v) in ProcessInfo.processInfo.environment { env[Environment.Key(stringLiteral: k)] = v }
        self.inherited = env
    }

    /// Runs `job`; `onStart` gets the child's process-group id as soon as it exists, so the
    /// caller can record it (a later build uses it to find orphans after `kill -9` of xgraph).
    public func run(_ job: Job, onStart: @escaping @Sendable (Int32) -> Void) async -> JobResult {
        let start = Date()
        let fd: CInt
        do {
            fd = try Self.openLog(job.logPath)
        } catch {
            // No log to explain it in; 126 is the shell's "found but cannot run".
            return JobResult(status: .exited(126), start: start, end: Date())
        }
        defer { close(fd) }

        let (outcome, timedOut) = await runRacingTimeLimit(job, fd: fd, onStart: onStart)
        let status: JobStatus
        switch outcome {
        case .launchFailed(let message):
            if Task.isCancelled {
                Self.note("build cancelled before the job started", fd: fd)
                status = .cancelled
            } else {
                Self.note("could not start /bin/sh: \(message)", fd: fd)
                status = .exited(127)
            }
        case .ended(let terminationStatus, let pgid):
            await stopLeftovers(ofGroup: pgid)
            let preempted = forwarder?.ended(pgid) ?? false
            if Task.isCancelled {
                Self.note("build cancelled; job stopped", fd: fd)
                status = .cancelled
            } else if timedOut {
                Self.note("time limit of \(Self.seconds(job.resources.timeSeconds ?? 0)) s reached; job stopped", fd: fd)
                status = .timedOut
            } else if preempted {
                Self.note("the step was told to stop (signal \(forwarder?.signal ?? 0) before the time limit); its output is not recorded, its resume folder is kept", fd: fd)
                status = .preempted
            } else {
                switch terminationStatus {
                case .exited(let code): status = .exited(code)
                case .signaled(let signal): status = .signaled(signal)
                }
            }
        }
        return JobResult(status: status, start: start, end: Date())
    }

    /// The variables a job sees on top of the inherited ones. The GPU variables come last so
    /// the scheduler's allocation always wins; an empty CUDA_VISIBLE_DEVICES keeps a CPU job
    /// off every GPU.
    public static func environment(for job: Job) -> [String: String] {
        var env = job.environment
        let gpus = job.gpuIDs.map(String.init).joined(separator: ",")
        env["CUDA_VISIBLE_DEVICES"] = gpus
        env["XGRAPH_GPUS"] = gpus
        // Our ids are nvidia-smi indices, which follow PCI bus order; CUDA's default order
        // (fastest first) can differ on mixed machines.
        if !job.gpuIDs.isEmpty && env["CUDA_DEVICE_ORDER"] == nil { env["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID" }
        return env
    }

    // MARK: - Running

    private enum Outcome: Sendable {
        case ended(TerminationStatus, pgid: Int32)
        case launchFailed(String)
    }

    private enum Race: Sendable {
        case ended(Outcome)
        case timeLimitReached
        case timerStopped
    }

    /// Runs the child while a timer runs beside it; the timer firing cancels the child's task,
    /// which makes swift-subprocess run the group teardown.
    private func runRacingTimeLimit(_ job: Job, fd: CInt, onStart: @escaping @Sendable (Int32) -> Void) async -> (Outcome, Bool) {
        await withTaskGroup(of: Race.self, returning: (Outcome, Bool).self) { group in
            group.addTask { .ended(await self.spawn(job, fd: fd, onStart: onStart)) }
            if let limit = job.resources.timeSeconds {
                group.addTask {
                    do {
                        // Duration.seconds traps past Int64 seconds (a limit of 1e300 killed the
                        // build after the job started): clamp to the longest limit a spec accepts.
                        let seconds = limit.isNaN ? 0 : min(max(0, limit), DurationText.maxSeconds)
                        try await Task.sleep(for: .seconds(seconds))
                        return .timeLimitReached
                    } catch {
                        return .timerStopped
                    }
                }
            }
            var outcome: Outcome = .launchFailed("no result")
            var timedOut = false
            while let r = await group.next() {
                switch r {
                case .ended(let o): outcome = o; group.cancelAll()
                case .timeLimitReached: timedOut = true; group.cancelAll()
                case .timerStopped: break
                }
            }
            return (outcome, timedOut)
        }
    }

    private func spawn(_ job: Job, fd: CInt, onStart: @escaping @Sendable (Int32) -> Void) async -> Outcome {
        var env = inherited
        let jobEnvironment = Self.environment(for: job)
        for (k, v) in jobEnvironment { env[Environment.Key(stringLiteral: k)] = v }
        if let container = job.container {
            // The runtime binds the inputs read-only itself, as root or not: no namespace helper.
            let argv = container.arguments(for: job, environment: jobEnvironment)
            let outcome = await launch(container.runtimePath, Arguments(executablePathOverride: argv[0], remainingValues: Array(argv.dropFirst())),
                                       env: env, job: job, fd: fd, onStart: onStart)
            // A runtime that exited by itself removed its container (`--rm`); one killed by a
            // signal may have left it running.
            if case .ended(.exited, _) = outcome {} else { await removeLeftover(container, env: env) }
            return outcome
        }
        // The quicker ways first: the program without a shell, then (as root) the helper that
        // makes the read-only namespace. One that cannot start (the helper missing, a script
        // without `#!`) ran nothing, and the next is tried; sh, as written, comes last.
        let protected = ReadOnlyMounts.protects(job.readOnlyPaths)
        var quicker: [(String, Arguments)] = []
        if let (program, argv) = directProgram(job, path: env["PATH"]) {
            if !protected {
                quicker.append((program, Arguments(executablePathOverride: argv[0], remainingValues: Array(argv.dropFirst()))))
            } else if let (helper, arguments) = ReadOnlyMounts.helperLaunch(program: program, argv: argv, readOnly: job.readOnlyPaths) {
                quicker.append((helper, Arguments(arguments)))
            }
        }
        if protected, let (helper, arguments) = ReadOnlyMounts.helperLaunch(
            program: "/bin/sh", argv: ["sh", "-c", ExecForm.of(job.command)], readOnly: job.readOnlyPaths) {
            quicker.append((helper, Arguments(arguments)))
        }
        for (program, arguments) in quicker {
            let outcome = await launch(program, arguments, env: env, job: job, fd: fd, onStart: onStart)
            if case .ended = outcome { return outcome }
            if Task.isCancelled { return outcome }
        }
        let (program, arguments) = ReadOnlyMounts.wrap(job.command, readOnly: job.readOnlyPaths)
        return await launch(program, Arguments(arguments), env: env, job: job, fd: fd, onStart: onStart)
    }

    /// A runtime process killed before it removed its container (SIGKILL after the grace
    /// period) leaves the container running under the runtime's monitor, outside the job's
    /// process group: remove it.
    private func removeLeftover(_ container: ContainerLaunch, env: [Environment.Key: String]) async {
        guard let argv = container.cleanupArguments else { return }
        await Task {
            _ = try? await Subprocess.run(.path(FilePath(argv[0])), arguments: Arguments(Array(argv.dropFirst())),
                                          environment: .custom(env), input: .none, output: .discarded, error: .discarded)
        }.value
    }

    /// The program and words of a command sh would only pass on (ExecForm.literalWords), found
    /// as sh would find it, so it can start without a shell between; nil if sh must interpret it.
    private func directProgram(_ job: Job, path: String?) -> (String, [String])? {
        guard let words = ExecForm.literalWords(job.command),
              let program = ExecForm.program(words[0], path: path, workingDirectory: job.workingDirectory) else { return nil }
        return (program, words)
    }

    private func launch(_ program: String, _ arguments: Arguments, env: [Environment.Key: String], job: Job, fd: CInt,
                        onStart: @escaping @Sendable (Int32) -> Void) async -> Outcome {
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [
            .gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .milliseconds(Self.milliseconds(gracePeriod))),
        ]
        let log = FileDescriptor(rawValue: fd)
        do {
            let result = try await Subprocess.run(
                .path(FilePath(program)), arguments: arguments,
                environment: .custom(env),
                workingDirectory: FilePath(job.workingDirectory),
                platformOptions: options,
                input: .none,
                output: .fileDescriptor(log, closeAfterSpawningProcess: false),
                error: .fileDescriptor(log, closeAfterSpawningProcess: false)
            ) { execution in
                // With createSession the child's pid is its process-group (and session) id.
                forwarder?.started(execution.processIdentifier.value)
                onStart(execution.processIdentifier.value)
            }
            return .ended(result.terminationStatus, pgid: result.processIdentifier.value)
        } catch {
            return .launchFailed("\(error)")
        }
    }

    /// SIGTERM, then SIGKILL after the grace period, to what is left of the group once its
    /// leader has ended (background children that ignored or outlived the teardown). Runs in
    /// its own task so a cancelled caller still waits for it.
    private func stopLeftovers(ofGroup pgid: Int32) async {
        guard pgid > 1, ProcessGroup.hasLiveMembers(pgid) else { return }
        let grace = gracePeriod
        await Task {
            kill(-pgid, SIGTERM)
            let deadline = ContinuousClock.now + .milliseconds(Self.milliseconds(grace))
            while ContinuousClock.now < deadline {
                if !ProcessGroup.hasLiveMembers(pgid) { return }
                try? await Task.sleep(for: .milliseconds(20))
            }
            kill(-pgid, SIGKILL)
        }.value
    }

    // MARK: - Log

    private static func openLog(_ path: String) throws -> CInt {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw XGraphError.io("cannot open log \(path): \(String(cString: strerror(errno)))") }
        return fd
    }

    /// A line from xgraph itself in the job's log, so a reader sees why the job ended.
    private static func note(_ message: String, fd: CInt) {
        let line = "xgraph: \(message)\n"
        _ = line.withCString { write(fd, $0, strlen($0)) }
    }

    private static func seconds(_ s: Double) -> String {
        if s == s.rounded(), let whole = Int(exactly: s) { return String(whole) }
        return String(s)
    }

    /// Milliseconds of a grace period, clamped to a day (a Double out of Int's range would trap).
    private static func milliseconds(_ s: Double) -> Int {
        Int((min(max(s, 0), 86_400) * 1000).rounded())
    }
}
