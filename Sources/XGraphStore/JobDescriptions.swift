import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// The node descriptions cluster jobs run (XGraphBuild's `NodeDescription`), kept in
/// `jobs/descriptions/<aa>/<sha256>.json`, each named by the SHA-256 of its bytes so that the
/// job can tell it is reading exactly what its head wrote. Beside each, `<sha256>.key` holds the
/// key its job recorded (or found already recorded): how a job queued behind an input whose key
/// nobody knew at submission finds exactly the output that input's job made.
///
/// A description is written before `sbatch` and read when the job starts, which may be days
/// later; gc keeps those of jobs that may still run (`collectJobDescriptions`).
extension Store {
    public func jobDescriptionPath(_ digest: Digest) -> String { jobs.descriptionPath(digest) }

    private func describedKeyPath(_ digest: Digest) -> String { jobs.describedKeyPath(digest) }

    /// Writes a description (temporary file, rename) and returns its digest. The same bytes
    /// written twice are one file. Not synced: a head writes one per job, and the fsync was most
    /// of the head's added cost per job; a description a power loss cut short no longer hashes
    /// to its name, and the job refuses it.
    @discardableResult
    public func writeJobDescription(_ data: Data) throws -> Digest {
        let digest = Digest.of(data)
        try POSIX.publish(data, at: jobDescriptionPath(digest), tempDir: tmpDir, tempName: tempName("desc"), overwrite: true, sync: false)
        return digest
    }

    /// The bytes of the description at `path`, checked against the digest its name gives: a
    /// file changed, cut short or swapped after its head wrote it is refused.
    public func readJobDescription(at path: String) throws -> (data: Data, digest: Digest) {
        let name = (path as NSString).lastPathComponent
        guard name.hasSuffix(".json"), let named = Digest(hex: String(name.dropLast(5))) else {
            throw XGraphError.usage("--description \(path): expected a file named <sha256>.json, as the head writes them into the store's "
                + "jobs/descriptions/ folder")
        }
        guard let data = POSIX.readFile(path) else {
            throw XGraphError.io("cannot read the node description \(path): \(POSIX.errorText(errno)) "
                + "(was it removed by a gc, or is the store not shared with this machine?)")
        }
        let actual = Digest.of(data)
        guard actual == named else {
            throw XGraphError.store("the node description \(path) was changed after it was written (its bytes hash to "
                + "\(actual.hex.prefix(12)), its name says \(named.hex.prefix(12))); nothing was run")
        }
        return (data, actual)
    }

    /// Notes the key the job of `description` recorded (or found recorded).
    public func recordDescribedKey(_ key: Digest, description: Digest) throws {
        try POSIX.publish(Data((key.hex + "\n").utf8), at: describedKeyPath(description), tempDir: tmpDir,
                          tempName: tempName("desc-key"), overwrite: true)
    }

    /// The key the job of `description` recorded; nil while it has not (or never will).
    public func describedKey(_ description: Digest) -> Digest? {
        guard let data = POSIX.readFile(describedKeyPath(description)) else { return nil }
        return Digest(hex: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Deletes descriptions (and their key notes) that are neither in `keep` nor newer than
    /// `olderThan`; returns how many went (or would go, with `dryRun`). The age spares what a
    /// head has written and is about to submit, before any registry entry names it.
    public func collectJobDescriptions(keep: Set<Digest>, olderThan: Date, dryRun: Bool) -> Int {
        var removed = 0
        for (name, path) in fanned(JobRegistry.descriptionsFolder) where name.hasSuffix(".json") {
            guard let d = Digest(hex: String(name.dropLast(5))), !keep.contains(d) else { continue }
            var st = stat()
            guard lstat(path, &st) == 0, Double(st.st_mtim.tv_sec) < olderThan.timeIntervalSince1970 else { continue }
            removed += 1
            if !dryRun {
                unlink(path)
                unlink(describedKeyPath(d))
            }
        }
        return removed
    }
}
