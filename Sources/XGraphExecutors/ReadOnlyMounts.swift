import Foundation
import XGraphCore
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

    /// `xgraph-readonly` next to the running program (built with it), which makes the namespace
    /// and the read-only mounts with system calls and then becomes the job's program; nil if it
    /// is not there (then `unshare`, a shell and mount(8) do it, as `wrap` says).
    static let helper: String? = {
        let path = RunningProgram.sibling("xgraph-readonly")
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }()

    /// Whether a job reading from `paths` gets the namespace.
    static func protects(_ paths: [String]) -> Bool { !paths.isEmpty && available }

    /// The helper's program and arguments that run `program` (with `argv`, argv[0] first) in the
    /// namespace with `paths` read-only; nil without the helper.
    static func helperLaunch(program: String, argv: [String], readOnly paths: [String]) -> (String, [String])? {
        guard let helper else { return nil }
        return (helper, paths.flatMap { ["--ro", $0] } + ["--", program] + argv)
    }

    /// The program and arguments that run `command` with `/bin/sh -c`, inside the namespace
    /// when there is something to protect and the namespace is available. `unshare` execs
    /// without forking, so the job's pid (and process group) stay the ones the executor started.
    ///
    /// One `mount -a` reads a mount table naming every folder (`bind,ro`: since util-linux 2.27
    /// that binds and remounts read-only in one step), instead of one `mount --bind -o ro` per
    /// folder: each mount(8) process costs about as much CPU as a short step. `mount -a` skips
    /// an entry it takes to be mounted already, so the script then asks each folder whether it
    /// is writable (`test -w` is false on a read-only mount, even for root) and fails the job
    /// with 125 if one is: a job never runs with its inputs writable while xgraph thinks them
    /// protected. The script then enters its working directory again by name: a working
    /// directory inside a protected folder still points into the writable mount underneath.
    /// Where the table cannot be written, one mount per folder as before.
    ///
    /// The command then runs in that same shell (`eval`, after the shell's own variables and
    /// arguments are cleared), not in one more `sh -c`: each process start costs about as much
    /// as a short step. A simple command is run with `exec` (ExecForm) either way.
    static func wrap(_ command: String, readOnly paths: [String]) -> (String, [String]) {
        let command = ExecForm.of(command)
        guard !paths.isEmpty, available else { return ("/bin/sh", ["-c", command]) }
        if let table = MountTable.file(for: paths) {
            let script = """
                cmd=$1; table=$2; shift 2
                mount -a -T "$table" || { echo "xgraph: cannot make $* read-only" >&2; exit 125; }
                for p do
                  if [ -w "$p" ]; then echo "xgraph: cannot make $p read-only" >&2; exit 125; fi
                done
                cd -P -- "$(pwd -P)" || exit 125
                unset table p; set --
                eval "unset cmd; $cmd"
                """
            return (unshare, ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "xgraph-readonly", command, table] + paths)
        }
        let script = """
            cmd=$1; shift
            for p do
              mount --bind -o ro "$p" "$p" || { echo "xgraph: cannot make $p read-only" >&2; exit 125; }
            done
            cd -P -- "$(pwd -P)" || exit 125
            exec /bin/sh -c "$cmd"
            """
        return (unshare, ["--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "xgraph-readonly", command] + paths)
    }
}
