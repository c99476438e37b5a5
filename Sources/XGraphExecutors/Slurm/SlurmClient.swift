import Foundation
import Subprocess
import XGraphCore

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

    public init() {}

    /// Runs `program` with `arguments`, `input` on its stdin. Throws a usage error naming the
    /// program when it is not installed (xgraph runs on a machine that is not a login node).
    public func run(_ program: String, _ arguments: [String], input: String? = nil) async throws -> Output {
        do {
            let result = try await Subprocess.run(
                .name(program), arguments: Arguments(arguments),
                input: .string(input ?? ""),
                output: .string(limit: 64 << 20), error: .string(limit: 1 << 20))
            let status: Int32
            switch result.terminationStatus {
            case .exited(let c): status = c
            case .signaled(let s): status = 128 + s
            }
            return Output(status: status, stdout: result.standardOutput ?? "", stderr: result.standardError ?? "")
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
