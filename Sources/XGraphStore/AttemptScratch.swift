import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// The output folder (XGRAPH_OUT) and params file of one attempt, in tmp/.
///
/// They are recycled within a process: a finished attempt's emptied folder and its params file
/// are renamed aside and renamed to the next attempt's fresh names, instead of being deleted and
/// created again. On ext4 without a journal (as on this project's machines) every new inode is
/// found by skipping the inodes deleted in the last 30 seconds, so a build that deletes two
/// inodes per node makes each later node slower; renames allocate and free nothing. Each
/// attempt still gets names nobody used before, and spares carry this process's id, so a later
/// start sweeps them like any other temporary if the process dies.
extension Store {
    /// Spares kept at most; more means more parallel jobs than this, and the rest are deleted.
    static let maxSpares = 64

    /// A fresh, empty folder under tmp/ for one attempt of `node` to write into (XGRAPH_OUT).
    /// It is on the store's file system, so ingesting it moves files instead of copying them.
    public func makeOutputDirectory(for node: String) throws -> String {
        let path = tmpDir + "/" + tempName("out")
        if let spare = caches.withLock({ $0.spareDirectories.popLast() }), rename(spare, path) == 0 { return path }
        guard mkdir(path, 0o755) == 0 else { throw POSIX.ioError("create folder", path) }
        return path
    }

    /// Writes the params file of the attempt that writes into `outputDirectory`, beside it in
    /// tmp/, and returns its path. Not synced: it only lives as long as the attempt.
    public func writeParamsFile(_ data: Data, besides outputDirectory: String) throws -> String {
        let path = outputDirectory + ".params.json"
        if let spare = caches.withLock({ $0.spareFiles.popLast() }), rename(spare, path) == 0 {
            if (try? POSIX.writeScratch(data, at: path, reusing: true)) != nil { return path }
            POSIX.removeTree(path)
        }
        try POSIX.writeScratch(data, at: path)
        return path
    }

    /// Removes an output folder of a finished, failed or cancelled attempt: its contents are
    /// deleted and the folder itself is kept aside for the next attempt.
    public func discardOutputDirectory(_ path: String) {
        if Self.isKind(path, S_IFDIR), POSIX.emptyDirectory(path), keepSpare(path, directory: true) { return }
        POSIX.removeTree(path)
    }

    /// Removes what an attempt left in tmp/: its output folder (unless ingested) and params file.
    public func discardAttempt(outputDirectory: String, paramsFile: String?) {
        discardOutputDirectory(outputDirectory)
        guard let paramsFile else { return }
        if Self.isKind(paramsFile, S_IFREG), keepSpare(paramsFile, directory: false) { return }
        POSIX.removeTree(paramsFile)
    }

    private static func isKind(_ path: String, _ kind: mode_t) -> Bool {
        POSIX.lstatMode(path).map { ($0 & S_IFMT) == kind } ?? false
    }

    /// Deletes the spares (a build calls it when done, so tmp/ holds nothing of a finished build).
    public func removeSpares() {
        let (dirs, files) = caches.withLock { c in
            defer { c.spareDirectories = []; c.spareFiles = [] }
            return (c.spareDirectories, c.spareFiles)
        }
        for path in dirs + files { POSIX.removeTree(path) }
    }

    private func keepSpare(_ path: String, directory: Bool) -> Bool {
        caches.withLock { c in
            guard (directory ? c.spareDirectories.count : c.spareFiles.count) < Self.maxSpares else { return false }
            let spare = tmpDir + "/" + tempName("spare")
            guard rename(path, spare) == 0 else { return false }
            if directory { c.spareDirectories.append(spare) } else { c.spareFiles.append(spare) }
            return true
        }
    }
}
