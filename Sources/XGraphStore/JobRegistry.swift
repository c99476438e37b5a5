import Foundation
import XGraphCore

/// The store's Slurm job registry (`jobs/`): per (experiment file, node), the last job submitted
/// and, while `sbatch` runs, a "submitting" marker (SubmittedJobs.swift); the probe job's marker
/// too; and the node descriptions jobs run, with the key each one's job recorded
/// (JobDescriptions.swift). This type owns the folder's names.
public struct JobRegistry: Sendable {
    let root: String

    /// The registry's folder.
    public var directory: String { root + "/jobs" }

    /// The registry entry of `node` of `file`, without its extension.
    func entryPath(file: String, node: String) -> String {
        let h = Digest.of(file + "\u{0}" + node).hex
        return "\(directory)/\(Store.fanOut(h))/\(h)"
    }

    /// The folder of the node descriptions, relative to the store (for its listing).
    static let descriptionsFolder = "jobs/descriptions"

    /// The node description named by `digest`.
    func descriptionPath(_ digest: Digest) -> String {
        "\(root)/\(Self.descriptionsFolder)/\(Store.fanOut(digest.hex))/\(digest.hex).json"
    }

    /// The key the job of the description `digest` recorded.
    func describedKeyPath(_ digest: Digest) -> String {
        "\(root)/\(Self.descriptionsFolder)/\(Store.fanOut(digest.hex))/\(digest.hex).key"
    }
}
