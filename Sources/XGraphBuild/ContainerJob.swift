import Foundation
import XGraphCore
import XGraphExecutors
import XGraphGraph

/// What a node's container shares with the host: exactly the paths of its step contract, each
/// at its own path. Inputs (store artifacts and data sets), code, the step's folder and the
/// params file are read-only, so a step that writes into its input fails at once, as root too;
/// the output and resume folders are writable.
enum ContainerJob {
    /// The launch for `node`, nil when it runs on the host.
    /// - Throws: when the runtime is missing here (on a Slurm compute node, the runner's
    ///   machine), so the failure names the step and its runtime rather than an exit status.
    static func launch(for node: Node, paths: CommandRenderer.Paths,
                       environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ContainerLaunch? {
        guard let spec = node.container else { return nil }
        var mounts: [ContainerLaunch.Mount] = [
            .init(path: node.workdir, writable: false),
            .init(path: paths.paramsFile, writable: false),
            .init(path: paths.out, writable: true),
        ]
        for path in paths.inputs.values.sorted() { mounts.append(.init(path: path, writable: false)) }
        for path in node.code { mounts.append(.init(path: path, writable: false)) }
        if let resume = paths.resume { mounts.append(.init(path: resume, writable: true)) }
        var launch = try ContainerLaunch(spec: spec, mounts: mounts, searchPath: environment["PATH"], node: node.id)
        // In a Slurm job, CDI wants the GPUs' host indices (see ContainerLaunch.deviceIDs).
        if environment["SLURM_JOB_ID"] != nil, let listed = environment["SLURM_JOB_GPUS"] {
            let ids = listed.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            if !ids.isEmpty, !ids.contains(nil) { launch.deviceIDs = ids.compactMap { $0 } }
        }
        return launch
    }
}
