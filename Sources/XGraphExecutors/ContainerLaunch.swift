import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// How a job runs inside its container: the runtime program, the folders it shares with the
/// container, and the runtime's argument vector (no shell line: every value is one argument).
///
/// Every folder is bound at its own path, so the command, its `XGRAPH_*` variables and its
/// params file name the same paths inside as outside and the step contract needs no
/// translation. Inputs, data sets, code and the params file are bound read-only, the output
/// (and resume) folder writable; nothing else of the host is shared unless the step's
/// `options` say so.
public struct ContainerLaunch: Sendable, Equatable {
    public struct Mount: Sendable, Hashable {
        public var path: String
        public var writable: Bool
        public init(path: String, writable: Bool) { self.path = path; self.writable = writable }
    }

    public var spec: ContainerSpec
    /// The runtime program, found on PATH when the job was made.
    public var runtimePath: String
    public var mounts: [Mount]
    /// The container's name (podman, docker), so one left behind by a killed runtime
    /// process can be removed.
    public var name: String
    /// The host's names for the job's GPUs where they differ from its ids (a Slurm job under
    /// `ConstrainDevices`: CUDA_VISIBLE_DEVICES counts from 0 in the job's cgroup, while CDI
    /// names devices by their nvidia-smi index, which SLURM_JOB_GPUS gives); nil: the ids.
    public var deviceIDs: [Int]?

    /// - Throws: when the runtime is not on `searchPath`, or a folder cannot be bound.
    public init(spec: ContainerSpec, mounts: [Mount], searchPath: String?, node: String) throws {
        guard let program = ExecForm.program(spec.runtime.rawValue, path: searchPath, workingDirectory: "/") else {
            throw XGraphError.build("\(node) runs in a container with \(spec.runtime.rawValue) (\(spec.location)), but "
                + "\(spec.runtime.rawValue) is not on PATH here; install it "
                + (spec.runtime == .podman ? "(apt-get install podman) " : "")
                + "or set the step's container.runtime to one this machine has")
        }
        // `-v SRC:DST:ro` and apptainer's `--bind` split on ':' (and apptainer on ','), so
        // such a path would be bound somewhere else, silently.
        for m in mounts where m.path.contains(":") || m.path.contains(",") {
            throw XGraphError.build("\(node) cannot run in a container: \(m.path) holds ':' or ',', which "
                + "\(spec.runtime.rawValue)'s bind mounts cannot express; move the store or the project to a path without them")
        }
        self.spec = spec
        self.runtimePath = program
        self.mounts = Self.normalized(mounts)
        self.name = "xgraph-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// One mount per folder: duplicates merged (writable wins), and a folder dropped where the
    /// closest enclosing mount already gives it the same access. Parents first, since a
    /// writable output folder may sit inside a read-only project folder (the default store).
    static func normalized(_ mounts: [Mount]) -> [Mount] {
        var byPath: [String: Bool] = [:]
        for m in mounts {
            let p = m.path.count > 1 && m.path.hasSuffix("/") ? String(m.path.dropLast()) : m.path
            byPath[p] = (byPath[p] ?? false) || m.writable
        }
        var kept: [Mount] = []
        for (path, writable) in byPath.sorted(by: { $0.key < $1.key }) {
            let enclosing = kept.last { path.hasPrefix($0.path == "/" ? "/" : $0.path + "/") }
            if let enclosing, enclosing.writable == writable { continue }
            kept.append(Mount(path: path, writable: writable))
        }
        return kept
    }

    /// The argument vector (`[0]` is the runtime) that runs `job.command` with `/bin/sh -c` in
    /// the container. `environment` is what the runtime process itself gets
    /// (`LocalExecutor.environment(for:)` on top of the inherited one).
    public func arguments(for job: Job, environment: [String: String]) -> [String] {
        let gpus = job.gpuIDs
        let devices = deviceIDs.flatMap { $0.count == gpus.count ? $0 : nil } ?? gpus
        switch spec.runtime {
        case .podman, .docker:
            var a = [runtimePath, "run", "--rm", "--name", name,
                     // PID 1 of a container ignores signals it has no handler for: a tiny init
                     // passes SIGTERM (a time limit, a cancel) on to the step.
                     "--init",
                     "--workdir", job.workingDirectory,
                     // The command is ours to run, as `apptainer exec` would: an image's own
                     // entrypoint would take it as arguments.
                     "--entrypoint", "/bin/sh"]
            for m in mounts { a += ["--volume", m.path + ":" + m.path + (m.writable ? ":rw" : ":ro")] }
            // Values stay out of the argument vector (it is visible in ps): `--env NAME` takes the
            // runtime's own value, which is the job's.
            for name in environment.keys.sorted() where Self.passes(name) { a += ["--env", name] }
            // A container given devices by id sees them numbered from 0, so CUDA inside counts
            // from 0 whatever the host ids were; XGRAPH_GPUS keeps the host ids. An empty
            // CUDA_VISIBLE_DEVICES keeps a CPU step off every GPU, as on the host.
            a += ["--env", "CUDA_VISIBLE_DEVICES=" + gpus.indices.map(String.init).joined(separator: ",")]
            if !gpus.isEmpty {
                if spec.runtime == .podman {
                    // CDI names (nvidia-ctk cdi generate writes them to /etc/cdi).
                    for id in devices { a += ["--device", "nvidia.com/gpu=\(id)"] }
                } else {
                    a += ["--gpus", "\"device=" + devices.map(String.init).joined(separator: ",") + "\""]
                }
            }
            a += spec.options
            a += [imageArgument, "-c", job.command]
            return a
        case .apptainer:
            // `--contain`: no automatic home, /tmp or working-folder mounts; only the binds
            // below. Apptainer passes the environment through, so the job's variables (host GPU
            // ids included: `--nv` shows every GPU) arrive as they are.
            var a = [runtimePath, "exec", "--contain", "--pwd", job.workingDirectory]
            for m in mounts { a += ["--bind", m.path + ":" + m.path + (m.writable ? ":rw" : ":ro")] }
            if !gpus.isEmpty { a.append("--nv") }
            a += spec.options
            a += [imageArgument, "/bin/sh", "-c", job.command]
            return a
        }
    }

    /// The command that removes the container if the runtime process was killed before it
    /// could; nil where the runtime leaves nothing behind (apptainer runs in the job's process).
    public var cleanupArguments: [String]? {
        switch spec.runtime {
        case .podman: return [runtimePath, "rm", "--force", "--ignore", name]
        case .docker: return [runtimePath, "rm", "--force", name]
        case .apptainer: return nil
        }
    }

    private var imageArgument: String {
        switch spec.image {
        case .sif(let path): return path
        case .registry(let reference, _): return spec.runtime == .apptainer ? "docker://" + reference : reference
        case .imageID(let id): return id
        }
    }

    /// The job's own variables cross into the container; CUDA_VISIBLE_DEVICES is set apart.
    private static func passes(_ name: String) -> Bool {
        name != "CUDA_VISIBLE_DEVICES" && !name.isEmpty
    }
}
