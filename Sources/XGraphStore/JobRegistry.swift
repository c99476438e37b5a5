import Foundation
import XGraphCore

/// The store's Slurm job registry (`jobs/`): per (experiment file, node), the last job submitted
/// and, while `sbatch` runs, a "submitting" marker (SubmittedJobs.swift); the probe job's marker
/// too. This type owns the folder's names.
public struct JobRegistry: Sendable {
    let root: String

    /// The registry's folder.
    public var directory: String { root + "/jobs" }

    /// The registry entry of `node` of `file`, without its extension.
    func entryPath(file: String, node: String) -> String {
        let h = Digest.of(file + "\u{0}" + node).hex
        return "\(directory)/\(Store.fanOut(h))/\(h)"
    }
}
