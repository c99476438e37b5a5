import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Writes text with write(2). `FileHandle.write(_:)` traps (SIGILL) on any error, such as a
/// full disk under a redirected stdout or a log file, or a closed pipe; a build tool must
/// report those, not die in the middle of running jobs.
public enum Console {
    /// To standard output; errors (a closed pipe, a full disk) are ignored: there is nowhere
    /// left to report them.
    public static func out(_ text: String) { out(Data(text.utf8)) }
    public static func out(_ data: Data) { _ = try? write(data, fd: STDOUT_FILENO, name: "standard output") }

    /// To standard error, likewise.
    public static func err(_ text: String) { _ = try? write(Data(text.utf8), fd: STDERR_FILENO, name: "standard error") }

    /// Appends to a file (created if missing), in one O_APPEND write where it fits.
    public static func append(_ text: String, toFile path: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw XGraphError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try write(Data(text.utf8), fd: fd, name: path)
    }

    static func write(_ data: Data, fd: Int32, name: String) throws {
        var off = 0
        while off < data.count {
            let n = data.withUnsafeBytes { raw in
                Glibc.write(fd, raw.baseAddress.map { $0 + off }, raw.count - off)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw XGraphError.io("cannot write to \(name): \(String(cString: strerror(errno)))")
            }
            off += n
        }
    }
}
