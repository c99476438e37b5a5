import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// Logs live at `logs/<h[0..2]>/<h>/` with h = sha256(node name): one file per attempt, named
/// `<UTC yyyyMMdd'T'HHmmss>-<pid>-attempt<n>.log` so that the attempts of later builds do not
/// overwrite earlier ones, a `node` file holding the name, and `latest`, a relative link to the
/// newest attempt's file. Logs are not content addressed and are kept after failures.
extension Store {
    private func logDirectory(_ node: String) -> String {
        let h = Digest.of(node).hex
        return "\(root)/logs/\(Self.fanOut(h))/\(h)"
    }

    /// A new log file path for this attempt (the caller creates and writes the file); `latest`
    /// now points to it. `latestLog` returns it once the file exists.
    public func logPath(forNode node: String, attempt: Int) throws -> String {
        let dir = logDirectory(node)
        try POSIX.makeDirectories(dir)
        let nameFile = dir + "/node"
        if !POSIX.exists(nameFile) {
            try POSIX.publish(Data((node + "\n").utf8), at: nameFile, tempDir: tmpDir,
                              tempName: tempName("lognode"), overwrite: true)
        }
        // gmtime_r, not a DateFormatter: building a formatter per node cost more than running it.
        var t = time(nil)
        var tm = tm()
        gmtime_r(&t, &tm)
        let stamp = String(format: "%04d%02d%02dT%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                           tm.tm_hour, tm.tm_min, tm.tm_sec)
        let name = "\(stamp)-\(getpid())-attempt\(attempt).log"
        // Replace `latest` atomically: make the new link aside, then rename it over.
        let tmpLink = dir + "/.latest-" + tempName("log")
        guard symlink(name, tmpLink) == 0 else { throw POSIX.ioError("create link", tmpLink) }
        guard rename(tmpLink, dir + "/latest") == 0 else {
            unlink(tmpLink)
            throw POSIX.ioError("replace", dir + "/latest")
        }
        return dir + "/" + name
    }

    /// The newest attempt's log of this node, if there is one.
    public func latestLog(forNode node: String) -> String? {
        let dir = logDirectory(node)
        guard let name = try? TreeScan.readLink(dir + "/latest"),
              POSIX.exists(dir + "/" + name) else { return nil }
        return dir + "/" + name
    }
}
