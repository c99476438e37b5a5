import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// The output folder (XGRAPH_OUT) of one attempt, in tmp/, and its params file, beside its log.
///
/// Every attempt gets a folder that nobody used before; it becomes the artifact or is deleted
/// when the attempt ends. (They were once recycled, renamed from one attempt to the next to spare
/// ext4 the cost of new inodes; but a detached process left behind by one step, whose working
/// directory was that folder, then wrote into the next node's output. A fresh folder costs a
/// few hundred microseconds; a wrong artifact costs a study.)
extension Store {
    /// A fresh, empty folder under tmp/ for one attempt of `node` to write into (XGRAPH_OUT).
    /// It is on the store's file system, so ingesting it moves files instead of copying them.
    public func makeOutputDirectory(for node: String) throws -> String {
        let path = tmpDir + "/" + tempName("out")
        guard mkdir(path, 0o777) == 0 else { throw POSIX.ioError("create folder", path) }
        return path
    }

    /// Writes the params file of the attempt whose log is `logPath`, beside that log
    /// (`….params.json` for `….log`), and returns its path. It is kept with the log: what the
    /// attempt was given, next to what it printed. Not synced: nothing trusts it afterwards.
    /// (In tmp/ and deleted after each attempt, it freed an inode per node; see `ingest`.)
    public func writeParamsFile(_ data: Data, besideLog logPath: String) throws -> String {
        let stem = logPath.hasSuffix(".log") ? String(logPath.dropLast(4)) : logPath
        let path = stem + ".params.json"
        // A re-run of the same attempt log (a Slurm requeue names the same log) rewrites it.
        if POSIX.exists(path) { unlink(path) }
        try POSIX.writeScratch(data, at: path)
        return path
    }

    /// Removes an output folder of a finished, failed or cancelled attempt (what is left of it
    /// if ingest did not make it an artifact).
    public func discardOutputDirectory(_ path: String) {
        POSIX.removeTree(path)
    }
}
