import Foundation
import Synchronization
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// Who owns a temporary in tmp/. Each Store, when it names its first temporary, takes a lease:
/// it creates `locks/owners/<owner>.lock` and holds an exclusive `flock(2)` on it for its life
/// (the kernel drops the lock when the process dies, even by `kill -9`). Its temporaries are
/// named `<owner>_<n>_<kind>`.
///
/// A sweeper removes an owner's temporaries only if it can take that lock, that is only once the
/// owner is gone: this holds across hosts (flock works over NFS) and across PID namespaces,
/// where pids and host names say nothing. An owner name is random, so it is never reused.
///
/// The lease file is created under another name, locked, and then renamed in, so no sweeper
/// ever sees an owner's file unlocked while the owner lives. Temporaries whose owner has no
/// lease file are garbage (the file comes first and goes last). Within one process, where
/// NFS's emulation of flock by POSIX locks would let a second Store "take" a live lock, live
/// owners are also remembered in memory.
enum TemporaryOwner {
    /// `o` and 16 hex digits: never a pid, so names of older xgraph versions (`<pid>_…`) differ.
    static func isOwnerName(_ s: Substring) -> Bool {
        s.count == 17 && s.first == "o" && s.dropFirst().allSatisfy { $0.isHexDigit }
    }

    /// The owner named at the start of a tmp/ entry, if it has one.
    static func owner(of name: String) -> String? {
        guard let end = name.firstIndex(of: "_"), isOwnerName(name[..<end]) else { return nil }
        return String(name[..<end])
    }

    /// Owners held by Stores of this process.
    static let live = Mutex<Set<String>>([])

    /// A held lease: the open, locked lease file.
    struct Lease: Sendable {
        let name: String
        let path: String
        let fd: Int32

        /// Removes the lease file and drops the lock; the owner's leftovers are then garbage.
        func end() {
            // Its gc pins (GCLock.swift) go first, into the record of uses that gc's
            // least-recently-used order reads: they protect nothing without a live lease.
            Store.retirePins(String(path.dropLast(5)) + ".pins")
            unlink(path)
            Glibc.close(fd)
            _ = TemporaryOwner.live.withLock { $0.remove(name) }
        }
    }

    /// Takes a new lease in `locksDir`/owners. Nil if the file cannot be created or locked (a
    /// store this process cannot write, where it makes no temporaries either).
    static func take(locksDir: String) -> Lease? {
        let dir = locksDir + "/owners"
        try? POSIX.makeDirectories(dir)
        let hex = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let name = "o" + String(repeating: "0", count: 16 - hex.count) + hex
        let path = dir + "/" + name + ".lock"
        let staging = dir + "/" + name + ".new"
        let fd = open(staging, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0, rename(staging, path) == 0 else {
            unlink(staging); Glibc.close(fd); return nil
        }
        // Who held it, for a person looking at a store; nothing reads it.
        try? POSIX.writeAll(fd, Data("pid \(getpid()) host \(POSIX.hostName)\n".utf8), path: path)
        live.withLock { _ = $0.insert(name) }
        return Lease(name: name, path: path, fd: fd)
    }

    /// An owner that is gone, with its temporaries, locked by the caller until `release` or `close`.
    struct Dead {
        let path: String
        let fd: Int32
        var temporaries: [String]

        /// Removes the lease file, then unlocks it.
        func release() {
            if fd >= 0 { unlink(path) }
            close()
        }

        func close() { if fd >= 0 { Glibc.close(fd) } }
    }
}

extension Store {
    var ownersDir: String { leases.ownersDir }

    /// This Store's owner name, taking its lease on first use.
    func temporaryOwner() -> String {
        ownerLease.withLock { lease in
            if let lease { return lease.name }
            guard let taken = TemporaryOwner.take(locksDir: leases.locksDir) else {
                // Nothing can be written here; a name is still needed for the error to name.
                return "o" + String(repeating: "0", count: 16)
            }
            lease = taken
            return taken.name
        }
    }

    /// The owners of tmp/ entries (and of lease files) that are gone, each locked by this call;
    /// plus, as one ownerless group, old entries of earlier versions that name no owner.
    func deadTemporaryOwners() -> [TemporaryOwner.Dead] {
        var byOwner: [String: [String]] = [:]
        var unowned: [String] = []
        let now = Date().timeIntervalSince1970
        for name in POSIX.list(tmpDir) ?? [] {
            if let owner = TemporaryOwner.owner(of: name) {
                byOwner[owner, default: []].append(name)
            } else {
                var st = stat()
                if lstat(tmpDir + "/" + name, &st) == 0, now - Double(st.st_mtim.tv_sec) > Self.foreignTemporaryAge {
                    unowned.append(name)
                }
            }
        }
        for file in POSIX.list(ownersDir) ?? [] where file.hasSuffix(".lock") {
            let owner = String(file.dropLast(5))
            if TemporaryOwner.isOwnerName(owner[...]), byOwner[owner] == nil { byOwner[owner] = [] }
        }
        let live = TemporaryOwner.live.withLock { $0 }
        var dead: [TemporaryOwner.Dead] = unowned.isEmpty ? [] : [TemporaryOwner.Dead(path: "", fd: -1, temporaries: unowned)]
        for (owner, names) in byOwner where !live.contains(owner) {
            let path = ownersDir + "/" + owner + ".lock"
            // Read-only suffices for flock, and lets a user who cannot write the store look.
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                // No lease file: its owner released it (or never got that far): garbage.
                if errno == ENOENT { dead.append(TemporaryOwner.Dead(path: path, fd: -1, temporaries: names)) }
                continue
            }
            if flock(fd, LOCK_EX | LOCK_NB) != 0 { Glibc.close(fd); continue }
            dead.append(TemporaryOwner.Dead(path: path, fd: fd, temporaries: names))
        }
        return dead
    }
}
