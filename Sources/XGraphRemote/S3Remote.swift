import CCurl
import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// A remote in an S3 bucket (AWS, MinIO, Ceph RGW, SeaweedFS, Garage, `rclone serve s3`), through
/// libcurl. Objects appear whole or not at all (S3 PUTs are atomic); large files go up in a
/// multipart upload that streams from the file, and only a completed upload makes the object.
public struct S3Remote: RemoteBackend {
    let location: S3Location
    let session: CurlSession

    /// Above this size a file goes up in parts (one PUT can carry 5 GB; parts also bound what a
    /// dropped connection costs) and comes down in parallel ranges.
    let multipartThreshold: Int64

    public init(location: S3Location, environment env: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.location = location
        let credentials = try AWSCredentials.load(environment: env)
        // Test and slow-link knobs: seconds to connect and seconds without progress.
        let connect = env["XGRAPH_REMOTE_CONNECT_TIMEOUT"].flatMap(Int.init).map { max(1, min($0, 600)) } ?? 10
        let stall = env["XGRAPH_REMOTE_STALL_TIMEOUT"].flatMap(Int.init).map { max(1, min($0, 3600)) } ?? 60
        self.session = CurlSession(credentials: credentials, region: location.region, connectTimeout: connect, stallTimeout: stall)
        self.multipartThreshold = env["XGRAPH_REMOTE_MULTIPART_THRESHOLD"].flatMap(Int64.init).map { max(Self.minimumPart, $0) } ?? (64 << 20)
    }

    /// S3's smallest part (except the last) and most parts; some servers allow only 1,000.
    static let minimumPart: Int64 = 5 << 20
    static let maximumParts: Int64 = 1000
    /// Tries per part before the whole upload is given up (and aborted).
    static let partAttempts = 4

    /// Parts of at least 8 MiB, and large enough that the file fits in 1,000 parts (100 GB →
    /// 100 MiB parts), rounded up to whole MiB.
    static func partSize(for size: Int64, threshold: Int64) -> Int64 {
        let floor = max(minimumPart, min(threshold, 8 << 20))
        let needed = (size + maximumParts - 1) / maximumParts
        let mib: Int64 = 1 << 20
        return max(floor, (needed + mib - 1) / mib * mib)
    }

    static let emptyHash = Digest.of(Data()).hex

    func request(_ method: String, _ key: String, query: String = "", body: CurlRequest.Body = .none,
                         payloadHash: String = S3Remote.emptyHash, sink: CurlRequest.Sink = .memory(limit: 1 << 20),
                         hasher: Hasher256? = nil, progress: TransferProgress? = nil) -> CurlRequest {
        var r = CurlRequest(method: method, url: location.objectURL(key) + (query.isEmpty ? "" : "?" + query),
                            payloadHash: payloadHash)
        r.body = body; r.sink = sink; r.uploadHasher = hasher; r.progress = progress
        return r
    }

    /// Turns a status into a RemoteError naming what the server said (S3's `<Code>` and
    /// `<Message>`), never the credentials.
    func check(_ response: CurlRequest.Response, _ what: String, allowMissing: Bool = false) throws -> Bool {
        switch response.status {
        case 200..<300: return true
        case 404 where allowMissing: return false
        default:
            let text = String(decoding: response.body.prefix(4096), as: UTF8.self)
            let code = Self.element("Code", in: text) ?? ""
            let message = Self.element("Message", in: text) ?? ""
            let said = [code, message].filter { !$0.isEmpty }.joined(separator: ": ")
            let detail = "\(what): HTTP \(response.status)\(said.isEmpty ? "" : " (\(said))")"
            switch response.status {
            case 401, 403:
                throw RemoteError.denied(detail + "; check the credentials (\(session.credentials)) and the bucket's permissions")
            case 404:
                throw RemoteError.refused(detail + (code == "NoSuchBucket" ? "; create the bucket \(location.bucket) first" : ""))
            case 408, 429, 500...599: throw RemoteError.server(detail)
            default: throw RemoteError.refused(detail)
            }
        }
    }

    /// The text of the first `<name>…</name>` in a small XML document (S3's errors and
    /// upload ids are flat; a full XML parser would add a dependency for two fields).
    static func element(_ name: String, in xml: String) -> String? {
        guard let start = xml.range(of: "<\(name)>"), let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex) else { return nil }
        return String(xml[start.upperBound..<end.lowerBound])
    }

    public func head(_ key: String) throws -> Int64? {
        let response = try session.perform(request("HEAD", key))
        guard try check(response, "HEAD \(key)", allowMissing: true) else { return nil }
        return response.headers["content-length"].flatMap(Int64.init) ?? 0
    }

    public func get(_ key: String, limit: Int) throws -> Data? {
        let response = try session.perform(request("GET", key, sink: .memory(limit: limit)))
        guard try check(response, "GET \(key)", allowMissing: true) else { return nil }
        return response.body
    }

    public func download(_ key: String, to path: String, limit: Int64, progress: TransferProgress?, hashed: HashedBytes?) throws -> Bool {
        // Read-write: a ranged download reads back what its streams wrote, to hash it.
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RemoteError.local("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        if limit > multipartThreshold, let done = try rangedDownload(key, fd: fd, size: limit, progress: progress, hashed: hashed) {
            return done
        }
        let response = try session.perform(request("GET", key, sink: .file(fd: fd, start: 0, limit: limit), progress: progress))
        return try check(response, "GET \(key)", allowMissing: true)
    }

    /// Blobs larger than `multipartThreshold` come down in ranged GETs of `rangeChunk` bytes,
    /// `rangeStreams` at once, each written at its own place in the file: one HTTP stream is often
    /// slower than the server or the link (rclone `copy` does the same). The chunks are handed
    /// out in order, so the bytes written form a prefix of the file with at most a few chunks
    /// in flight beyond it, and one more thread hashes that prefix as it grows: the hash is
    /// ready a moment after the last chunk, instead of costing a pass over most of the file
    /// after it (four quarter-file ranges completed together, and their hash lagged three
    /// quarters behind). The same thread starts the disk's writeback of what it hashed, so the
    /// store's fsync before the blob gets its name finds little left to write.
    static let rangeStreams = 4

    /// A sixteenth of the file, between 1 and 32 MiB: a 1 GB blob in 32 GETs (their requests
    /// cost nothing beside 32 MiB each), a small one still in several.
    static func rangeChunk(for size: Int64) -> Int64 {
        let unit: Int64 = 64 << 10
        return min(32 << 20, max(1 << 20, (size / 16 + unit - 1) / unit * unit))
    }

    /// Nil when the server does not serve ranges (it answered 200 with the whole object): the
    /// caller then makes one plain GET. False when there is no such object.
    private func rangedDownload(_ key: String, fd: Int32, size: Int64, progress: TransferProgress?, hashed: HashedBytes?) throws -> Bool? {
        let chunk = Self.rangeChunk(for: size)
        let ranges = stride(from: Int64(0), to: size, by: Int(chunk)).map { ($0, min($0 + chunk, size)) }
        let written = ranges.map { _ in Atomic64() }
        let workers = min(Self.rangeStreams, ranges.count)
        let finished = Atomic64()
        let nextRange = Atomic64()
        // Set by a worker that cannot go on: the others take no new range.
        let stop = Atomic64()
        let following = HashedBytes()
        let lanes = workers + (hashed == nil ? 0 : 1)
        let results = ParallelCalls.run(lanes) { i -> Result<Int, RemoteError> in
            if i == workers {
                Self.follow(fd: fd, ranges: ranges, written: written, finished: finished, workers: Int64(workers), into: following)
                return .success(206)
            }
            defer { finished.add(1) }
            while stop.value == 0 {
                let n = Int(nextRange.take())
                guard n < ranges.count else { break }
                let (from, to) = ranges[n]
                var r = request("GET", key, sink: .file(fd: fd, start: from, limit: to - from), progress: progress)
                r.headers.append("Range: bytes=\(from)-\(to - 1)")
                r.expectPartial = true
                r.written = written[n]
                do {
                    let response = try session.perform(r)
                    if response.status != 206 { stop.add(1) }
                    if response.status == 404 { return .success(404) }
                    _ = try check(response, "GET \(key) bytes \(from)-\(to - 1)")
                    if response.status != 206 { return .success(response.status) }
                } catch let e as RemoteError {
                    stop.add(1)
                    return .failure(e)
                } catch {
                    stop.add(1)
                    return .failure(.local("\(error)"))
                }
            }
            return .success(206)
        }
        var statuses: [Int] = []
        for r in results.prefix(workers) {
            switch r {
            case .success(let s): statuses.append(s)
            case .failure(let e): throw e
            }
        }
        if statuses.contains(404) { return false }
        guard statuses.allSatisfy({ $0 == 206 }) else {
            // A server without ranges sent the whole object to each stream, and the size limit
            // stopped it: start again with one stream.
            guard ftruncate(fd, 0) == 0 else { throw RemoteError.local("cannot truncate a download: \(String(cString: strerror(errno)))") }
            return nil
        }
        var st = stat()
        guard fstat(fd, &st) == 0, Int64(st.st_size) == size, zip(ranges, written).allSatisfy({ $0.0.1 - $0.0.0 == $0.1.value }) else {
            throw RemoteError.server("GET \(key): the ranges did not add up to \(size) bytes")
        }
        // Only a whole, checked file's hash is handed on; otherwise the store hashes the file.
        if let d = following.digest { hashed?.set(d) }
        return true
    }

    /// Hashes the file from its start up to the first byte no stream has written yet, until the
    /// whole file is hashed or every worker has ended; sets `into` only for the whole file.
    /// Each range hashed is handed to the disk's writeback at once (it stays in the page cache).
    private static func follow(fd: Int32, ranges: [(Int64, Int64)], written: [Atomic64], finished: Atomic64, workers: Int64,
                               into: HashedBytes) {
        guard let size = ranges.last?.1 else { return }
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buf.deallocate() }
        guard let base = buf.baseAddress else { return }
        var hasher = Hasher256()
        var at: Int64 = 0
        var flushed: Int64 = 0
        var first = 0
        while at < size {
            var ready: Int64 = 0
            // Ranges before `first` are known whole.
            while first < ranges.count {
                let (from, to) = ranges[first]
                ready = from + written[first].value
                if ready < to { break }
                first += 1
            }
            if ready > at {
                let n = pread(fd, base, Int(min(Int64(buf.count), ready - at)), off_t(at))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return }
                hasher.update(buffer: UnsafeRawBufferPointer(start: base, count: n))
                at += Int64(n)
                if at - flushed >= 8 << 20 || at == size {
                    // Advice only: a failure leaves the work to the fsync.
                    _ = xg_start_writeback(fd, flushed, at - flushed)
                    flushed = at
                }
            } else if finished.value == workers {
                return
            } else {
                usleep(1000)
            }
        }
        into.set(hasher.finalize())
    }

    public func put(_ key: String, data: Data, ifAbsent: Bool) throws {
        let response = try session.perform(request("PUT", key, body: .data(data), payloadHash: Digest.of(data).hex))
        _ = try check(response, "PUT \(key)")
    }

    public func upload(_ key: String, file: String, size: Int64, digest: Digest?, progress: TransferProgress?) throws {
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw RemoteError.local("cannot open \(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        if size > multipartThreshold {
            try multipart(key, fd: fd, file: file, size: size, digest: digest, progress: progress)
            return
        }
        // The blob's digest is its payload hash: AWS checks the bytes against it itself.
        let response = try session.perform(request("PUT", key, body: .file(fd: fd, offset: 0, length: size),
                                                   payloadHash: digest?.hex ?? "UNSIGNED-PAYLOAD",
                                                   hasher: digest == nil ? nil : Hasher256(), progress: progress))
        _ = try check(response, "PUT \(key)")
        if let digest, let sent = response.uploadHasher?.finalize(), sent != digest {
            // Servers that do not check the payload hash (rclone, some gateways) took bad bytes:
            // take them back, so no reader is offered a blob that fails its name.
            _ = try? session.perform(request("DELETE", key))
            throw RemoteError.local("\(file) no longer holds the bytes of \(digest.short) (they hash to \(sent.short)): not pushed; run `xgraph verify --repair`")
        }
    }

    /// ListObjectsV2, page by page (1,000 keys each). The query is written already in SigV4's
    /// canonical form (names sorted, values percent-encoded) since libcurl 7.88 signs it as given.
    public func list(_ prefix: String) throws -> [RemoteObject] {
        var out: [RemoteObject] = []
        var token: String?
        repeat {
            var query = token.map { "continuation-token=\(Self.escape($0))&" } ?? ""
            query += "list-type=2&prefix=\(Self.escape(location.prefix + prefix))"
            var r = CurlRequest(method: "GET", url: location.bucketURL + "?" + query, payloadHash: Self.emptyHash)
            r.sink = .memory(limit: 16 << 20)
            let response = try session.perform(r)
            _ = try check(response, "list \(prefix)")
            let xml = String(decoding: response.body, as: UTF8.self)
            for item in Self.elements("Contents", in: xml) {
                guard let key = Self.element("Key", in: item).map(Self.xmlUnescape), key.hasPrefix(location.prefix),
                      let size = Self.element("Size", in: item).flatMap(Int64.init) else { continue }
                out.append(RemoteObject(key: String(key.dropFirst(location.prefix.count)), size: size,
                                        tag: Self.element("ETag", in: item) ?? ""))
            }
            token = Self.element("IsTruncated", in: xml) == "true" ? Self.element("NextContinuationToken", in: xml).map(Self.xmlUnescape) : nil
        } while token != nil
        return out
    }

    public func delete(_ key: String) throws {
        let response = try session.perform(request("DELETE", key))
        _ = try check(response, "DELETE \(key)", allowMissing: true)
    }

    /// The text of every `<name>…</name>` in order (a listing's flat `<Contents>` items).
    static func elements(_ name: String, in xml: String) -> [String] {
        var out: [String] = []
        var rest = xml.startIndex..<xml.endIndex
        while let start = xml.range(of: "<\(name)>", range: rest),
              let end = xml.range(of: "</\(name)>", range: start.upperBound..<xml.endIndex) {
            out.append(String(xml[start.upperBound..<end.lowerBound]))
            rest = end.upperBound..<xml.endIndex
        }
        return out
    }

    /// XML's five named entities, and the numeric ones Go servers write for quotes (rclone
    /// sends an ETag as `&#34;…&#34;`).
    static func xmlUnescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&#34;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    static func escape(_ s: String) -> String {
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~")
        return s.addingPercentEncoding(withAllowedCharacters: unreserved) ?? s
    }

    static func xmlEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
