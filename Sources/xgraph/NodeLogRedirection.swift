import Foundation
import XGraphCore

/// This process's standard output and error pointed at one node's log while a grouped task's
/// runner runs that node, then back at the task's own output. Everything said about the node
/// (the runner's lines, an error from its description, a library's warning) lands in its log,
/// as it does for a job of one node, whose Slurm `--output` is that log; the step's own output
/// goes there already.
struct NodeLogRedirection {
    /// Copies of the task's standard output and error (close-on-exec: steps never see them).
    private let out: Int32
    private let err: Int32

    init() throws {
        out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)
        err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)
        guard out >= 0, err >= 0 else {
            throw XGraphError.io("cannot keep the task's output aside: \(String(cString: strerror(errno)))")
        }
    }

    /// Appends this process's output to `log` (created if missing, as Slurm would).
    func point(at log: String) throws {
        fflush(nil)
        let fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw XGraphError.io("cannot open the log \(log): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        // dup2 clears close-on-exec: the step's children inherit the log as they would the
        // batch shell's output.
        guard dup2(fd, STDOUT_FILENO) >= 0, dup2(fd, STDERR_FILENO) >= 0 else {
            let why = String(cString: strerror(errno))
            restore()
            throw XGraphError.io("cannot write the log \(log): \(why)")
        }
    }

    /// Back to the task's output.
    func restore() {
        fflush(nil)
        _ = dup2(out, STDOUT_FILENO)
        _ = dup2(err, STDERR_FILENO)
    }
}
