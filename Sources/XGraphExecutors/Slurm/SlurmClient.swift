import Foundation
import Subprocess
import Synchronization
import XGraphCore
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs Slurm's client commands (`sbatch`, `squeue`, `scancel`, `sinfo`, `scontrol`) with an
/// argument vector, never through a shell, so no value of a node or profile is ever re-parsed.
/// They are found on PATH, as on a login node; the cluster is whatever they talk to
/// (`SLURM_CONF`, /etc/slurm).
public struct SlurmClient: Sendable {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var succeeded: Bool { status == 0 }
        /// stderr's last non-empty line, or stdout's: what Slurm said about a refusal.
        public var message: String {
            let text = stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? stdout : stderr
            return text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }.suffix(3).joined(separator: "; ")
        }
    }

    /// The folders the programs are looked up in, colon-separated; nil: PATH.
    private let searchPath: String?

    public init() { searchPath = nil }

    /// Looks the programs up in `searchPath` (folders separated by colons) instead of PATH:
    /// for tests with stand-ins for Slurm's commands, which must not change PATH for everything
    /// else in their process (builds they start would find the stand-ins too).
    public init(searchPath: String) { self.searchPath = searchPath }

    /// The program's path, found once per process and search path: given a bare name,
    /// swift-subprocess tries to start it in every PATH folder in turn, a process per folder,
    /// on every call.
    private static let found = Mutex<[String: String]>([:])

    func locate(_ program: String) -> String? {
        let key = (searchPath.map { $0 + "\u{0}" } ?? "") + program
        if let known = Self.found.withLock({ $0[key] }) { return known }
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(program)"
            if access(candidate, X_OK) == 0 {
                Self.found.withLock { $0[key] = candidate }
                return candidate
            }
        }
        return nil
    }

    /// Runs `program` with `arguments`, `input` on its stdin. Throws a usage error naming the
    /// program when it is not installed (xgraph runs on a machine that is not a login node).
    public func run(_ program: String, _ arguments: [String], input: String? = nil) async throws -> Output {
        guard let path = locate(program) else {
            throw XGraphError.usage("\(program) not found on PATH: --executor slurm runs on a Slurm login node "
                + "(a machine where `\(program)` works); on this machine use --executor local")
        }
        do {
            // Bytes, decoded here: swift-subprocess's string output decodes a byte at a time
            // through generic code, which made most of a head's CPU when it polled the
            // squeue lines of a thousand array tasks.
            let result = try await Subprocess.run(
                .path(FilePath(path)), arguments: Arguments(arguments),
                input: .string(input ?? ""),
                output: .bytes(limit: 64 << 20), error: .bytes(limit: 1 << 20))
            let status: Int32
            switch result.terminationStatus {
            case .exited(let c): status = c
            case .signaled(let s): status = 128 + s
            }
            return Output(status: status, stdout: String(decoding: result.standardOutput, as: UTF8.self),
                          stderr: String(decoding: result.standardError, as: UTF8.self))
        } catch let e as SubprocessError where e.code == .executableNotFound {
            throw XGraphError.usage("\(program) not found on PATH: --executor slurm runs on a Slurm login node "
                + "(a machine where `\(program)` works); on this machine use --executor local")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw XGraphError.io("could not run \(program): \(error)")
        }
    }
}
