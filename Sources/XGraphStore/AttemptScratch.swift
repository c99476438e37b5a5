import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// The output folder (XGRAPH_OUT) and params file of one attempt, in tmp/.
///
/// Every attempt gets a folder and a file that nobody used before, and both are deleted when
/// the attempt ends. (They were once recycled, renamed from one attempt to the next to spare
/// ext4 the cost of new inodes; but a detached process left behind by one step, whose working
/// directory was that folder, then wrote into the next node's output. A fresh folder costs a
/// few hundred microseconds; a wrong artifact costs a study.)
extension Store {
    /// A fresh, empty folder under tmp/ for one attempt of `node` to write into (XGRAPH_OUT).
    /// It is on the store's file system, so ingesting it moves files instead of copying them.
    public func makeOutputDirectory(for node: String) throws -> String {
        let path = tmpDir + "/" + tempName("out")
        guard mkdir(path, 0o755) == 0 else { throw POSIX.ioError("create folder", path) }
        return path
    }

    /// Writes the params file of the attempt that writes into `outputDirectory`, beside it in
    /// tmp/, and returns its path. Not synced: it only lives as long as the attempt.
    public func writeParamsFile(_ data: Data, besides outputDirectory: String) throws -> String {
        let path = outputDirectory + ".params.json"
        try POSIX.writeScratch(data, at: path)
        return path
    }

    /// Removes an output folder of a finished, failed or cancelled attempt (what is left of it
    /// after ingest moved its files into the store).
    public func discardOutputDirectory(_ path: String) {
        POSIX.removeTree(path)
    }

    /// Removes what an attempt left in tmp/: its output folder (unless ingested) and params file.
    public func discardAttempt(outputDirectory: String, paramsFile: String?) {
        discardOutputDirectory(outputDirectory)
        if let paramsFile { POSIX.removeTree(paramsFile) }
    }
}
