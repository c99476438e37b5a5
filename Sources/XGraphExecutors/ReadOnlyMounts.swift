import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Makes folders read-only to one job in fact, not only by file mode.
///
/// File modes do not stop root, and steps often run as root (GPU containers): a step could write
/// into its input artifacts, which are hard links to blobs that other artifacts share. So when
/// xgraph runs as root and the kernel allows it, a job starts in a private mount namespace
/// (`unshare --mount`) where the store's artifacts and blobs folders are bind-mounted read-only
/// over themselves; any write there fails with EROFS. Nothing outside that one job's namespace
/// changes. An ordinary user needs none of this (the modes hold), and where namespaces are not
/// allowed (an unprivileged container) the builder's check after the job still catches changes.
/// `XGRAPH_READONLY_INPUTS=off` turns the namespace off (for steps that must mount things).
enum ReadOnlyMounts {
    static let unshare = "/usr/bin/unshare"

    /// Whether jobs can get the namespace here: root, the switch not off, and a probe that
    /// really makes a namespace (once per process).
    static let available: Bool = {
        guard geteuid() == 0, ProcessInfo.processInfo.environment["XGRAPH_READONLY_INPUTS"] != "off",
              FileManager.default.isExecutableFile(atPath: unshare) else { return false }
        let probe = Process()
        probe.executableURL = URL(fileURLWithPath: unshare)
        probe.arguments = ["--mount", "--propagation", "private", "--", "/bin/true"]
        probe.standardOutput = FileHandle.nullDevice
        probe.standardError = FileHandle.nullDevice
        do { try probe.run() } catch { return false }
        probe.waitUntilExit()
        return probe.terminationStatus == 0
    }()

    /// One `mount` per folder: since util-linux 2.27 `--bind -o ro` binds and remounts read-only
    /// in one call; each mount(8) process costs about as much CPU as a short step.
    /// The program and arguments that run `command` with `/bin/sh -c`, inside the namespace
    /// when there is something to protect and the namespace is available. `unshare` execs
    /// without forking, so the job's pid (and process group) stay the ones the executor started.
    static func wrap(_ command: String, readOnly paths: [String]) -> (String, [String]) {
        guard !paths.isEmpty, available else { return ("/bin/sh", ["-c", command]) }
        let script = """
            cmd=$1; shift
            for p do
              mount --bind -o ro "$p" "$p" || { echo "xgraph: cannot make $p read-only" >&2; exit 125; }
            done
            exec /bin/sh -c "$cmd"
            """
        return (unshare, ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "xgraph-readonly", command] + paths)
    }
}
