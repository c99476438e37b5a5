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
// It does with system calls what `unshare --mount` + sh + `mount -a` did with three programs:
// each process start costs about as much as a short step. It runs once per job, so it is written
// to start fast: linked as a static executable (no dynamic loader), and working on the C strings
// of argv and the C library only, without Swift strings or arrays, whose runtime type lookups
// took longer than the namespace itself. It is single-threaded, which unshare(CLONE_NEWNS)
// requires. Exit status 125 if a folder cannot be made read-only: a job never runs with its
// inputs writable while xgraph thinks them protected.

/// unshare(2) from the C library, which Swift's Glibc module does not declare (it needs
/// _GNU_SOURCE); the program is linked statically, so there is no dlsym to find it with.
@_silgen_name("unshare") func unshare(_ flags: Int32) -> Int32

func say(_ text: UnsafePointer<CChar>) { _ = write(2, text, strlen(text)) }
func say(_ text: StaticString) { _ = write(2, text.utf8Start, text.utf8CodeUnitCount) }

/// "xgraph: WHAT[ SUBJECT][: the errno text]" on stderr, then exit with `status`.
func fail(_ what: StaticString, _ subject: UnsafePointer<CChar>?, withError: Bool, status: Int32) -> Never {
    let code = errno
    say("xgraph: "); say(what)
    if let subject { say(" "); say(subject) }
    if withError { say(": "); say(strerror(code)) }
    say("\n")
    exit(status)
}

let argc = Int(CommandLine.argc)
nonisolated(unsafe) let argv = CommandLine.unsafeArgv
func arg(_ i: Int) -> UnsafeMutablePointer<CChar>? { i < argc ? argv[i] : nil }
func isArg(_ i: Int, _ text: StaticString) -> Bool {
    guard let a = arg(i) else { return false }
    return strcmp(a, UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)) == 0
}

// --ro PATH pairs from index 1; then "--", PROGRAM and at least ARGV0.
var first = 1
while isArg(first, "--ro"), arg(first + 1) != nil { first += 2 }
guard isArg(first, "--"), let program = arg(first + 1), arg(first + 2) != nil else {
    fail("usage: xgraph-readonly --ro PATH ... -- PROGRAM ARGV0 [ARG ...]", nil, withError: false, status: 125)
}

// The working directory, by name: it must be entered again once the mounts are made, or a job
// started inside a protected folder would keep writing through the old, writable mount.
guard let workingDirectory = getcwd(nil, 0) else {
    fail("cannot read the working directory", nil, withError: true, status: 125)
}

let cloneNewNS: Int32 = 0x0002_0000
if unshare(cloneNewNS) != 0 { fail("cannot make the store read-only: unshare", nil, withError: true, status: 125) }
// Private propagation first (`unshare --propagation private`): the read-only mounts below must
// not reach the machine's namespace, and nothing mounted there should appear in the job's.
if mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), nil) != 0 {
    fail("cannot make the job's mounts private", nil, withError: true, status: 125)
}

// statfs's ST_* flags that a read-only remount of a bind must keep (nosuid, nodev, noexec,
// atime: the kernel refuses to drop them where they are locked), as mount's MS_* flags. The GNU
// constants are not in Swift's Glibc module: <bits/statvfs.h> and <sys/mount.h> values.
// f_flags also has ST_VALID (0x20), which is not a mount flag and is left out.
func kept(_ f: UInt) -> UInt {
    var flags: UInt = 0
    if f & 2 != 0 { flags |= 2 }              // ST_NOSUID → MS_NOSUID
    if f & 4 != 0 { flags |= 4 }              // ST_NODEV → MS_NODEV
    if f & 8 != 0 { flags |= 8 }              // ST_NOEXEC → MS_NOEXEC
    if f & 1024 != 0 { flags |= 1024 }        // ST_NOATIME → MS_NOATIME
    if f & 2048 != 0 { flags |= 2048 }        // ST_NODIRATIME → MS_NODIRATIME
    if f & 4096 != 0 { flags |= 1 << 21 }     // ST_RELATIME → MS_RELATIME
    return flags
}

/// The ST_* mount flags of the file system holding `path`. From statfs(2), whose f_flags the
/// kernel fills (since Linux 2.6.36), not statvfs(3): glibc's statvfs finds them by parsing
/// /proc/mounts, which cost more than everything else this program does. Swift's Glibc module
/// does not declare statfs; on the 64-bit Linux ABIs (x86_64, arm64) struct statfs is eleven
/// 8-byte fields with f_flags the eleventh, at byte 80, followed by spare words (120 bytes).
@_silgen_name("statfs") func c_statfs(_ path: UnsafePointer<CChar>, _ buf: UnsafeMutableRawPointer) -> Int32
func mountFlags(_ path: UnsafePointer<CChar>) -> UInt? {
    #if os(Linux) && (arch(x86_64) || arch(arm64))
    let buf = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 8)
    defer { buf.deallocate() }
    guard c_statfs(path, buf) == 0 else { return nil }
    return UInt(buf.load(fromByteOffset: 80, as: Int.self))
    #else
    var fs = statvfs()
    guard statvfs(path, &fs) == 0 else { return nil }
    return UInt(fs.f_flag)
    #endif
}

var i = 2
while i < first {
    guard let folder = arg(i) else { break }
    if mount(folder, folder, nil, UInt(MS_BIND), nil) != 0 {
        fail("cannot make read-only (bind)", folder, withError: true, status: 125)
    }
    guard let flags = mountFlags(folder) else { fail("cannot make read-only (statfs)", folder, withError: true, status: 125) }
    if mount(nil, folder, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY) | kept(flags), nil) != 0 {
        fail("cannot make read-only (remount)", folder, withError: true, status: 125)
    }
    // Ask the kernel, as `test -w` did: a read-only mount refuses writing even to root.
    if access(folder, W_OK) == 0 { fail("cannot make read-only: still writable:", folder, withError: false, status: 125) }
    i += 2
}

if chdir(workingDirectory) != 0 { fail("cannot enter the working directory again:", workingDirectory, withError: true, status: 125) }

let childArgv = argv + (first + 2)
execv(program, childArgv)
// As sh does: a file the kernel cannot execute (no `#!`) is run as a shell script, with the
// program's path as the script and the same arguments after ARGV0.
if errno == ENOEXEC {
    let rest = argc - (first + 3)
    let shArgv = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: rest + 3)
    shArgv[0] = strdup("sh")
    shArgv[1] = program
    for k in 0..<rest { shArgv[2 + k] = argv[first + 3 + k] }
    shArgv[rest + 2] = nil
    execv("/bin/sh", shArgv)
}
fail("cannot run", program, withError: true, status: errno == ENOENT ? 127 : 126)
