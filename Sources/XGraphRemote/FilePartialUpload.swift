import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// Large uploads to a folder remote, resumable: a file goes up through `tmp/upload-<key>`, one
/// partial per object, held with flock(2) while it is written. A push killed (or whose share went
/// away) half way leaves the partial; the next push of the same blob compares what it holds with
/// the blob, byte for byte, keeps the part that matches and writes only the rest. A partial is
/// never trusted: bytes another pusher, a crash or a hand left that differ are cut off and
/// written again, and the whole file's SHA-256 is checked before it is renamed into place.
extension FileRemote {
    func partialPath(_ key: String) -> String { root + "/tmp/upload-" + key.replacingOccurrences(of: "/", with: "_") }

    /// The partial of `key`, open for reading and writing and locked by this process; nil when
    /// another push holds it now, or it cannot be opened or locked (another user's file, a share
    /// without locks): the upload then goes through a private temporary, as a small one does.
    func claimPartial(_ key: String) -> (path: String, fd: Int32)? {
        let dir = root + "/tmp"
        if mkdir(dir, 0o777) != 0 && errno != EEXIST { return nil }
        let name = partialPath(key)
        for _ in 0..<4 {
            let fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
            guard fd >= 0 else { return nil }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { close(fd); return nil }
            var held = stat(), named = stat()
            if fstat(fd, &held) == 0, lstat(name, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev,
               (held.st_mode & S_IFMT) == S_IFREG {
                // A partial with another name as well (a hard link to an object, put there by a
                // hand in the shared folder) would be written in place under that name too.
                if held.st_nlink == 1 { return (name, fd) }
                close(fd)
                return nil
            }
            // Renamed into place or removed between the open and the lock: not a partial any more.
            close(fd)
        }
        return nil
    }

    /// Completes the partial from `src` and renames it into place. A failure that may pass leaves
    /// it for the next push; bytes that do not hash to `digest` remove it.
    func resume(_ partial: (path: String, fd: Int32), key: String, from src: Int32, file: String, size: Int64,
                digest: Digest?, progress: TransferProgress?) throws {
        let (tmp, dst) = partial
        // Closing releases the lock, after the rename.
        defer { close(dst) }
        var hasher: Hasher256? = digest == nil ? nil : Hasher256()
        let kept = try keptPrefix(dst, name: tmp, src: src, file: file, size: size, hasher: &hasher)
        guard lseek(src, off_t(kept), SEEK_SET) == off_t(kept), lseek(dst, off_t(kept), SEEK_SET) == off_t(kept) else {
            throw RemoteError.local("cannot seek in \(file) or \(tmp): \(String(cString: strerror(errno)))")
        }
        _ = try copy(from: src, srcName: file, to: dst, dstName: tmp, limit: Int64.max, hasher: &hasher, progress: progress)
        if let digest, let got = hasher?.finalize(), got != digest {
            unlink(tmp)
            throw RemoteError.local("\(file) no longer holds the bytes of \(digest.short) (they hash to \(got.short)): not pushed; run `xgraph verify --repair`")
        }
        guard fsync(dst) == 0 else { throw Self.failure("cannot sync", tmp) }
        try place(tmp, at: path(key), noReplace: false)
    }

    /// How many of the partial's first bytes are the file's, compared a MiB at a time (and hashed
    /// into `hasher` on the way); the partial is cut there.
    private func keptPrefix(_ dst: Int32, name: String, src: Int32, file: String, size: Int64,
                            hasher: inout Hasher256?) throws -> Int64 {
        var st = stat()
        guard fstat(dst, &st) == 0 else { throw Self.failure("cannot read", name) }
        let have = min(Int64(st.st_size), size)
        let chunk = 1 << 20
        let mine = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 64)
        let theirs = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 64)
        defer { mine.deallocate(); theirs.deallocate() }
        var at: Int64 = 0
        while at < have {
            let want = Int(min(Int64(chunk), have - at))
            let a = try Self.readFully(src, into: mine, count: want, at: at, name: file)
            let b = try Self.readFully(dst, into: theirs, count: want, at: at, name: name)
            guard a == want, b == want, let pa = mine.baseAddress, let pb = theirs.baseAddress, memcmp(pa, pb, want) == 0 else { break }
            hasher?.update(buffer: UnsafeRawBufferPointer(start: pa, count: want))
            at += Int64(want)
        }
        if Int64(st.st_size) != at && ftruncate(dst, off_t(at)) != 0 { throw Self.failure("cannot truncate", name) }
        return at
    }

    /// Up to `count` bytes from `offset` (fewer only at the end of the file).
    private static func readFully(_ fd: Int32, into buf: UnsafeMutableRawBufferPointer, count: Int, at offset: Int64, name: String) throws -> Int {
        guard let base = buf.baseAddress else { return 0 }
        var got = 0
        while got < count {
            let n = pread(fd, base + got, count - got, off_t(offset + Int64(got)))
            if n < 0 {
                if errno == EINTR { continue }
                throw RemoteError.local("cannot read \(name): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            got += n
        }
        return got
    }

    // MARK: What gc --remote collects

    /// Files in tmp/: partials of killed pushes, temporaries of pushes that died before their rename.
    public func unfinishedUploads() throws -> [UnfinishedUpload] {
        try checkRoot()
        let dir = root + "/tmp"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
            var st = stat()
            if lstat(dir, &st) != 0 && errno == ENOENT { return [] }
            throw Self.failure("cannot list", dir)
        }
        var out: [UnfinishedUpload] = []
        for name in names {
            var st = stat()
            guard lstat(dir + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            let modified = Date(timeIntervalSince1970: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
            out.append(UnfinishedUpload(key: "tmp/" + name, id: "", lastActive: modified, size: Int64(st.st_size)))
        }
        return out
    }

    /// Deletes a file of tmp/ unless a push holds its lock, or wrote it after `cutoff`.
    public func endUpload(_ upload: UnfinishedUpload, idleSince cutoff: Date) throws -> Bool {
        let parts = upload.key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "tmp", !parts[1].isEmpty, parts[1] != ".", parts[1] != ".." else { return false }
        let name = path(upload.key)
        let fd = open(name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT { return false }
            throw Self.failure("cannot open", name)
        }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        var held = stat(), named = stat()
        guard fstat(fd, &held) == 0, lstat(name, &named) == 0, held.st_ino == named.st_ino, held.st_dev == named.st_dev,
              Double(held.st_mtim.tv_sec) <= cutoff.timeIntervalSince1970 else { return false }
        if unlink(name) != 0 && errno != ENOENT { throw Self.failure("cannot delete", name) }
        return true
    }
}
