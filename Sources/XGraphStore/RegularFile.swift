import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// Reading a small file a step left in its output folder (`metrics.json`) before the folder is
/// ingested, when nothing has checked what it is yet. `Data(contentsOf:)` follows links and
/// opens anything: a link to `/dev/zero` reads until memory runs out, a FIFO blocks the build
/// forever, a link elsewhere reads a file outside the output. This reads a regular file only.
public enum RegularFile {
    /// Metrics are a few numbers; more than this is a mistake (a checkpoint written by the wrong name).
    public static let metricsLimit = 16 << 20

    /// The bytes of the regular file at `path`, nil if there is nothing there. Throws if it is
    /// a link, folder, FIFO, socket or device, or larger than `limit` bytes.
    public static func readIfPresent(_ path: String, limit: Int = metricsLimit) throws -> Data? {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return nil }
            throw POSIX.ioError("read", path)
        }
        // O_NOFOLLOW and O_NONBLOCK: if the entry was swapped for a link or a FIFO since the
        // lstat, the open fails or returns at once, and fstat below refuses it.
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ELOOP { throw notRegular(path, "a link") }
            throw POSIX.ioError("read", path)
        }
        defer { close(fd) }
        guard fstat(fd, &st) == 0 else { throw POSIX.ioError("read", path) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw notRegular(path, kind(st.st_mode)) }
        guard st.st_size <= limit else {
            throw XGraphError.store("\(path) is \(st.st_size) bytes; at most \(limit) are read")
        }
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 64 * 1024)
        while data.count <= limit {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw POSIX.ioError("read", path) }
            if n == 0 { return data }
            data.append(contentsOf: buf[0..<n])
        }
        throw XGraphError.store("\(path) grew past \(limit) bytes while being read")
    }

    private static func notRegular(_ path: String, _ what: String) -> XGraphError {
        .store("\(path) is \(what), not a regular file: write the file itself there")
    }

    private static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFLNK: return "a link"
        case S_IFDIR: return "a folder"
        case S_IFIFO: return "a pipe (FIFO)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR, S_IFBLK: return "a device"
        default: return "not a file"
        }
    }
}
