import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program and measures it alone: wall time, and peak RSS from its own `wait4` rusage
/// (so an earlier, bigger child does not leak into the figure).
struct Measured {
    var status: Int32
    var seconds: Double
    var maxRSSMB: Double
    /// User and system CPU time of the program and every descendant it waited for: on a shared
    /// machine a steadier figure than wall time.
    var cpuSeconds: Double = 0
}

func spawnMeasured(_ argv: [String], cwd: String, stdoutPath: String = "/dev/null", stderrPath: String = "/dev/null") -> Measured {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    // Glibc's addchdir_np is not in Swift's module map: change folder in a shell that then
    // execs the program, so the measured process is the program itself.
    let full = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", cwd] + argv
    let cargs = full.map { strdup($0) } + [nil]
    defer { cargs.forEach { free($0) } }
    var pid: pid_t = 0
    let start = Date()
    guard posix_spawn(&pid, "/bin/sh", &actions, nil, cargs, environ) == 0 else {
        return Measured(status: -1, seconds: 0, maxRSSMB: 0)
    }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    let seconds = Date().timeIntervalSince(start)
    let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    return Measured(status: code, seconds: seconds, maxRSSMB: Double(usage.ru_maxrss) / 1024, cpuSeconds: cpu)
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : s[s.count / 2]
}

func ms(_ s: Double) -> String { String(format: "%.1f ms", s * 1000) }

/// Prints a line at once (unbuffered), so figures appear as they are measured even if a later
/// section fails.
func say(_ line: String) {
    Console.out(line + "\n")
}
