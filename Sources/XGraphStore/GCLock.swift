import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// How `gc` and builds share a store (docs/store.md, "Garbage collection"):
///
/// - `locks/gc.lock` is a reader–writer lock (`flock(2)`): a build holds it shared while it
///   decides which records it will use and while it publishes an output (blob reuse, manifest,
///   artifact, record); `gc` holds it exclusively while it reads what is pinned, decides and
///   deletes. So gc never deletes under a decision, and a build never reuses a blob gc is
///   deleting.
/// - A build that will run something pins every key it decided on (and each key it decides
///   later, before it looks the key up) in `locks/owners/<owner>.pins`, beside the lease on its
///   temporaries. gc keeps the pinned keys of every owner whose lease is still held (on any
///   host), and ignores the pins of owners that are gone. Pins are written under the shared lock,
///   so either gc reads them, or the build decides after gc and sees what gc left.
/// - The lock file holds gc's generation, bumped by each gc that deleted anything: a Store that
///   pins reads it (through the open file it holds the lock on) and drops its in-memory caches
///   of keys and artifacts when it moved.
/// - A Store pins through one open file of gc.lock and one of its `.pins` file, kept for its
///   life (PinFiles.swift): a build pins every late key on its own, and opening the files per
///   pin tripled the system calls of a build whose dependents were cut off early.
extension Store {
    public var gcLockPath: String { leases.gcLockPath }

    /// A held `locks/gc.lock`; released by `release()` or when the value's last copy is dropped.
    public final class GCLock: @unchecked Sendable {
        let fd: Int32
        init(fd: Int32) { self.fd = fd }
        public func release() { if fd >= 0 { flock(fd, LOCK_UN) } }
        deinit { if fd >= 0 { close(fd) } }
    }

    /// Opens the lock file, creating it group-writable where the umask allows (a shared store's
    /// members all take it). Read-only where this user may not write it: flock works on either.
    static func openGCLock(_ path: String) -> Int32 {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        return fd >= 0 ? fd : open(path, O_RDONLY | O_CLOEXEC)
    }

    /// Takes the lock shared (a build). Waits while a gc runs; `waiting` is called once if it must.
    public func gcShared(waiting: () -> Void = {}) -> GCLock {
        let fd = Self.openGCLock(gcLockPath)
        guard fd >= 0 else { return GCLock(fd: -1) }  // a store nobody can gc from here
        if flock(fd, LOCK_SH | LOCK_NB) != 0 {
            waiting()
            while flock(fd, LOCK_SH) != 0 && errno == EINTR {}
        }
        return GCLock(fd: fd)
    }

    /// Takes the lock exclusively (gc): nil when builds hold it and `wait` is false.
    public func gcExclusive(wait: Bool) throws -> GCLock? {
        let fd = open(gcLockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw POSIX.ioError("cannot open", gcLockPath) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 { return GCLock(fd: fd) }
        guard wait else { close(fd); return nil }
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { close(fd); throw POSIX.ioError("cannot lock", gcLockPath) }
        }
        return GCLock(fd: fd)
    }

    /// The number of collections that deleted something (0 for a store never collected), read
    /// through `fd`, an open file of the lock that the caller holds: no second open per pin.
    func gcGeneration(_ fd: Int32) -> Int {
        guard fd >= 0 else { return 0 }
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return 0 }
        let text = String(decoding: buffer[0..<n], as: UTF8.self)
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
    }

    /// Bumps the generation; the caller holds the lock exclusively.
    func bumpGCGeneration(_ lock: GCLock) {
        let text = Data("\(gcGeneration(lock.fd) + 1)\n".utf8)
        guard lock.fd >= 0, ftruncate(lock.fd, 0) == 0 else { return }
        text.withUnsafeBytes { _ = pwrite(lock.fd, $0.baseAddress, $0.count, 0) }
    }

    /// Pins `keys` for the life of this Store (see above). Takes the shared lock itself unless
    /// the caller holds it (`held`), and drops stale caches if a gc ran since they were read.
    ///
    /// A build pins each key it decides after its plan on its own (BuildRun), a thousand in a
    /// row when early cut-off spares a thousand dependents, so this goes through files the
    /// Store keeps open (`PinFiles`) rather than opening three per pin. The shared lock is still
    /// taken and dropped per call: held across a build it would keep gc waiting while steps
    /// run, which docs/store.md promises it never does (and Linux's flock lets new shared
    /// holders pass a waiting exclusive one, so a long build would starve gc).
    public func pin(_ keys: some Collection<Digest>, held: GCLock? = nil) throws {
        guard !keys.isEmpty else { return }
        var text = ""
        text.reserveCapacity(keys.count * 65)
        for k in keys { text += k.hex; text += "\n" }
        let owner = temporaryOwner()
        let generation = try pinFiles.withLock { files -> Int in
            // The files' mutex makes this call the only holder of their gc.lock file while it
            // holds it: a flock belongs to the open file, so two holders sharing one would
            // drop each other's lock.
            let fd: Int32
            if let held {
                fd = held.fd
            } else {
                fd = files.gcLock(path: gcLockPath)
                if fd >= 0 { Self.lockShared(fd) }
            }
            defer { if held == nil && fd >= 0 { flock(fd, LOCK_UN) } }
            try files.append(Data(text.utf8), to: ownersDir + "/" + owner + ".pins", owner: owner)
            return gcGeneration(fd)
        }
        let stale = caches.withLock { c -> Bool in
            defer { c.gcGeneration = generation }
            return c.gcGeneration != generation
        }
        if stale {
            caches.withLock {
                $0.outputs = nil; $0.lastKeys = nil; $0.artifactNames = nil; $0.artifactChecks = 0; $0.artifactGeneration += 1
            }
        }
    }

    /// Waits for a shared flock on `fd` (while a gc holds it exclusively).
    private static func lockShared(_ fd: Int32) {
        while flock(fd, LOCK_SH) != 0 && errno == EINTR {}
    }

    /// The keys pinned by owners whose lease is held now, and the pin files of owners that are
    /// gone (to delete). The caller holds the lock exclusively.
    func livePins() -> (keys: Set<Digest>, stale: [String]) {
        var keys = Set<Digest>()
        var stale: [String] = []
        let live = TemporaryOwner.live.withLock { $0 }
        for file in POSIX.list(ownersDir) ?? [] where file.hasSuffix(".pins") {
            let owner = String(file.dropLast(5))
            let path = ownersDir + "/" + file
            var alive = live.contains(owner)
            if !alive {
                let fd = open(ownersDir + "/" + owner + ".lock", O_RDONLY | O_CLOEXEC)
                if fd >= 0 {
                    alive = flock(fd, LOCK_EX | LOCK_NB) != 0
                    close(fd)
                }
            }
            guard alive else { stale.append(path); continue }
            guard let data = POSIX.readFile(path) else { continue }
            for line in data.split(separator: 0x0A) {
                if let k = Digest(hex: String(decoding: line, as: UTF8.self)) { keys.insert(k) }
            }
        }
        return (keys, stale)
    }
}
