#if canImport(Glibc)
import Glibc
#endif

// xgraph-readonly --ro PATH [--ro PATH ...] -- PROGRAM ARGV0 [ARG ...]
//
// Starts one job of a root build in its own mount namespace where each PATH (the store's
// artifacts/ and blobs/) is bind-mounted read-only over itself, then becomes PROGRAM. xgraph runs
// it as the job's first process, so the job keeps its pid and process group; nothing outside
// this one job's namespace changes.
//
// Linked as a static executable (Package.swift): with no dynamic loader it starts in about the
// time /bin/true does, where a Swift program linked to the C library dynamically took three times
// as long.
//
// It does with system calls what `unshare --mount` + sh + `mount -a` did with three programs:
// each process start costs about as much as a short step. It imports nothing but the C library,
// and it is single-threaded, which unshare(CLONE_NEWNS) requires.
// Exit status 125 if a folder cannot be made read-only: a job never runs with its inputs
// writable while xgraph thinks them protected.

func fail(_ message: String, status: Int32) -> Never {
    let line = "xgraph: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(status)
}

func errorText() -> String { String(cString: strerror(errno)) }

/// unshare(2) from the C library, which Swift's Glibc module does not declare (it needs
/// _GNU_SOURCE); the program is linked statically, so there is no dlsym to find it with.
@_silgen_name("unshare") func unshare(_ flags: Int32) -> Int32

var args = Array(CommandLine.arguments.dropFirst())
var folders: [String] = []
while args.count >= 2, args[0] == "--ro" {
    folders.append(args[1])
    args.removeFirst(2)
}
guard args.first == "--", args.count >= 3 else {
    fail("usage: xgraph-readonly --ro PATH ... -- PROGRAM ARGV0 [ARG ...]", status: 125)
}
let program = args[1]
let argv = Array(args[2...])

// The working directory, by name: it must be entered again once the mounts are made, or a job
// started inside a protected folder would keep writing through the old, writable mount.
guard let cwd = getcwd(nil, 0) else { fail("cannot read the working directory: \(errorText())", status: 125) }
let workingDirectory = String(cString: cwd)
free(cwd)

let cloneNewNS: Int32 = 0x0002_0000
if unshare(cloneNewNS) != 0 {
    fail("cannot make \(folders.joined(separator: ", ")) read-only: unshare: \(errorText())", status: 125)
}
// Private propagation first (`unshare --propagation private`): the read-only mounts below must
// not reach the machine's namespace, and nothing mounted there should appear in the job's.
if mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), nil) != 0 {
    fail("cannot make the job's mounts private: \(errorText())", status: 125)
}
for folder in folders {
    if mount(folder, folder, nil, UInt(MS_BIND), nil) != 0 {
        fail("cannot make \(folder) read-only: bind: \(errorText())", status: 125)
    }
    // A read-only remount of a bind must keep the flags the file system is mounted with
    // (nosuid, nodev, noexec, atime), or the kernel refuses it where they are locked.
    var fs = statvfs()
    guard statvfs(folder, &fs) == 0 else { fail("cannot make \(folder) read-only: statvfs: \(errorText())", status: 125) }
    var flags = UInt(MS_REMOUNT | MS_BIND | MS_RDONLY)
    // statvfs's ST_* flag → mount's MS_* flag (<bits/statvfs.h>, <sys/mount.h>; the GNU ones
    // are not in Swift's Glibc module).
    let kept: [(UInt, UInt)] = [
        (2, 2),             // ST_NOSUID → MS_NOSUID
        (4, 4),             // ST_NODEV → MS_NODEV
        (8, 8),             // ST_NOEXEC → MS_NOEXEC
        (1024, 1024),       // ST_NOATIME → MS_NOATIME
        (2048, 2048),       // ST_NODIRATIME → MS_NODIRATIME
        (4096, 1 << 21),    // ST_RELATIME → MS_RELATIME
    ]
    for (st, ms) in kept where fs.f_flag & st != 0 { flags |= ms }
    if mount(nil, folder, nil, flags, nil) != 0 {
        fail("cannot make \(folder) read-only: remount: \(errorText())", status: 125)
    }
    // Ask the kernel, as `test -w` did: a read-only mount refuses writing even to root.
    if access(folder, W_OK) == 0 {
        fail("cannot make \(folder) read-only: it is still writable", status: 125)
    }
}

if chdir(workingDirectory) != 0 { fail("cannot enter \(workingDirectory) again: \(errorText())", status: 125) }

func execute(_ path: String, _ arguments: [String]) -> Int32 {
    var cArgs: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
    cArgs.append(nil)
    return execv(path, cArgs)
}
_ = execute(program, argv)
// As sh does: a file the kernel cannot execute (no `#!`) is run as a shell script.
if errno == ENOEXEC {
    _ = execute("/bin/sh", ["sh", program] + Array(argv.dropFirst()))
}
let code: Int32 = errno == ENOENT ? 127 : 126
fail("cannot run \(program): \(errorText())", status: code)
