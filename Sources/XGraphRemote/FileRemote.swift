import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// A remote in a shared folder (`file:///path`): the same layout as on S3. Objects appear by
/// rename(2) from `tmp/` after fsync, so a reader never sees part of one; records appear by
/// link(2), so the first writer of a key wins, as in a store. Files are created readable by all
/// (and folders writable by the group, as the umask allows) so that colleagues share it.
public struct FileRemote: RemoteBackend {
    public let root: String
    /// Files larger than this go up through a partial file that a later push continues
    /// (FilePartialUpload); smaller ones through a private temporary.
    let resumableAbove: Int64

    public init(root: String, environment env: [String: String] = ProcessInfo.processInfo.environment) {
        self.root = root
        // The same knob as S3's multipart threshold: the size above which a file is worth resuming.
        resumableAbove = env["XGRAPH_REMOTE_MULTIPART_THRESHOLD"].flatMap(Int64.init).map { max(0, $0) } ?? (64 << 20)
    }

    func path(_ key: String) -> String { root + "/" + key }

    static func failure(_ what: String, _ path: String, _ code: Int32 = errno) -> RemoteError {
        let text = "\(what) \(path): \(String(cString: strerror(code)))"
        // A folder that is not there (an unmounted NFS share, a missing disk) is a remote that
        // is down; permissions are refusals, like S3's 403.
        switch code {
        case ELOOP: return .refused(text + " (a link, not an object)")
        case EACCES, EPERM, EROFS: return .denied(text)
        case ENOENT, ENOTDIR, EIO, ESTALE, ETIMEDOUT, EHOSTDOWN, ENOTCONN: return .unreachable(text)
        default: return .server(text)
        }
    }

    func checkRoot() throws {
        var st = stat()
        guard stat(root, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw RemoteError.unreachable("the remote folder \(root) does not exist (create it, or mount the share)")
        }
    }

    public func head(_ key: String) throws -> Int64? {
        try checkRoot()
        var st = stat()
        if stat(path(key), &st) == 0 { return Int64(st.st_size) }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw Self.failure("cannot read", path(key))
    }

    public func get(_ key: String, limit: Int) throws -> Data? {
        try checkRoot()
        // O_NOFOLLOW: an object that is a link (someone else's hand in the shared folder) is
        // not read through; ELOOP then reads as a refusal.
        let fd = open(path(key), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT || errno == ENOTDIR { return nil }
            throw Self.failure("cannot open", path(key))
        }
        defer { close(fd) }
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw Self.failure("cannot read", path(key)) }
            if n == 0 { return data }
            data.append(contentsOf: buf[0..<n])
            if data.count > limit { throw RemoteError.refused("\(path(key)) is larger than \(limit) bytes: refused") }
        }
    }

    public func download(_ key: String, to dest: String, limit: Int64, progress: TransferProgress?, hashed: HashedBytes?) throws -> Bool {
        try checkRoot()
        let src = open(path(key), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if src < 0 {
            if errno == ENOENT || errno == ENOTDIR { return false }
            throw Self.failure("cannot open", path(key))
        }
        defer { close(src) }
        let dst = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard dst >= 0 else { throw RemoteError.local("cannot create \(dest): \(String(cString: strerror(errno)))") }
        defer { close(dst) }
        var hasher: Hasher256? = hashed == nil ? nil : Hasher256()
        _ = try copy(from: src, srcName: path(key), to: dst, dstName: dest, limit: limit, hasher: &hasher, progress: progress)
        if let d = hasher?.finalize() { hashed?.set(d) }
        return true
    }

    public func upload(_ key: String, file: String, size: Int64, digest: Digest?, progress: TransferProgress?) throws {
        try checkRoot()
        let src = open(file, O_RDONLY | O_CLOEXEC)
        guard src >= 0 else { throw RemoteError.local("cannot open \(file): \(String(cString: strerror(errno)))") }
        defer { close(src) }
        if size > resumableAbove, let partial = claimPartial(key) {
            try resume(partial, key: key, from: src, file: file, size: size, digest: digest, progress: progress)
            return
        }
        let (tmp, dst) = try temporary()
        var placed = false
        defer { if !placed { unlink(tmp) } }
        do {
            defer { close(dst) }
            var hasher: Hasher256? = digest == nil ? nil : Hasher256()
            _ = try copy(from: src, srcName: file, to: dst, dstName: tmp, limit: Int64.max, hasher: &hasher, progress: progress)
            if let digest, let got = hasher?.finalize(), got != digest {
                throw RemoteError.local("\(file) no longer holds the bytes of \(digest.short) (they hash to \(got.short)): not pushed; run `xgraph verify --repair`")
            }
            guard fsync(dst) == 0 else { throw Self.failure("cannot sync", tmp) }
        }
        try place(tmp, at: path(key), noReplace: false)
        placed = true
    }

    public func put(_ key: String, data: Data, ifAbsent: Bool) throws {
        try checkRoot()
        let (tmp, fd) = try temporary()
        var placed = false
        defer { if !placed { unlink(tmp) } }
        do {
            defer { close(fd) }
            var off = 0
            let ok = data.withUnsafeBytes { raw -> Bool in
                guard let base = raw.baseAddress else { return true }
                while off < raw.count {
                    let n = write(fd, base + off, raw.count - off)
                    if n < 0 { if errno == EINTR { continue }; return false }
                    off += n
                }
                return true
            }
            guard ok, fsync(fd) == 0 else { throw Self.failure("cannot write", tmp) }
        }
        try place(tmp, at: path(key), noReplace: ifAbsent)
        placed = !ifAbsent
        if ifAbsent { unlink(tmp); placed = true }
    }

    public func list(_ prefix: String) throws -> [RemoteObject] {
        try checkRoot()
        // The layout's prefixes are folders (`records/`); objects are the regular files below.
        let base = path(prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix)
        var out: [RemoteObject] = []
        var stack = [(base, prefix.hasSuffix("/") ? prefix : prefix + "/")]
        while let (dir, keyPrefix) = stack.popLast() {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else {
                if dir == base { var st = stat(); if lstat(dir, &st) != 0 { return [] } }
                throw Self.failure("cannot list", dir)
            }
            for name in names {
                var st = stat()
                guard lstat(dir + "/" + name, &st) == 0 else { continue }
                switch st.st_mode & S_IFMT {
                case S_IFDIR: stack.append((dir + "/" + name, keyPrefix + name + "/"))
                case S_IFREG:
                    let tag = "\(st.st_ino)-\(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
                    out.append(RemoteObject(key: keyPrefix + name, size: Int64(st.st_size), tag: tag))
                default: continue
                }
            }
        }
        return out
    }

    public func delete(_ key: String) throws {
        try checkRoot()
        if unlink(path(key)) != 0 && errno != ENOENT { throw Self.failure("cannot delete", path(key)) }
    }

    /// A new file in the remote's tmp/ (same file system as its objects: one rename).
    func temporary() throws -> (String, Int32) {
        let dir = root + "/tmp"
        if mkdir(dir, 0o777) != 0 && errno != EEXIST { throw Self.failure("cannot create", dir) }
        for _ in 0..<8 {
            let name = "\(dir)/\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
            let fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 { return (name, fd) }
            if errno != EEXIST { throw Self.failure("cannot create", name) }
        }
        throw RemoteError.local("cannot make a temporary file in \(dir)")
    }

    func place(_ tmp: String, at dest: String, noReplace: Bool) throws {
        let parent = (dest as NSString).deletingLastPathComponent
        var dir = ""
        for part in parent.split(separator: "/") {
            dir += "/" + part
            if mkdir(dir, 0o777) != 0 && errno != EEXIST { throw Self.failure("cannot create", dir) }
        }
        if noReplace {
            // The first record of a key wins, as in a store.
            if link(tmp, dest) != 0 && errno != EEXIST { throw Self.failure("cannot link", dest) }
        } else if rename(tmp, dest) != 0 {
            throw Self.failure("cannot rename into", dest)
        }
    }

    func copy(from src: Int32, srcName: String, to dst: Int32, dstName: String, limit: Int64,
                      hasher: UnsafeMutablePointer<Hasher256?>? = nil, progress: TransferProgress?) throws -> Int64 {
        var total: Int64 = 0
        let size = 1 << 20
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { buf.deallocate() }
        guard let base = buf.baseAddress else { throw RemoteError.local("out of memory") }
        while true {
            let n = read(src, base, size)
            if n < 0 { if errno == EINTR { continue }; throw Self.failure("cannot read", srcName) }
            if n == 0 { return total }
            total += Int64(n)
            if total > limit { throw RemoteError.refused("\(srcName) is larger than the \(limit) bytes its tree names: refused") }
            hasher?.pointee?.update(buffer: UnsafeRawBufferPointer(rebasing: buf[0..<n]))
            var off = 0
            while off < n {
                let w = write(dst, base + off, n - off)
                if w < 0 { if errno == EINTR { continue }; throw RemoteError.local("cannot write \(dstName): \(String(cString: strerror(errno)))") }
                off += w
            }
            progress?.add(Int64(n))
        }
    }
}
