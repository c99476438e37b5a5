import CCurl
import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// One HTTP request through libcurl, signed with AWS SigV4 by libcurl itself
/// (`CURLOPT_AWS_SIGV4`): this file only sets options and moves bytes. libcurl 7.88 signs the
/// payload hash it finds in an `x-amz-content-sha256` header we set (checked against a
/// hand computation of the canonical request), so uploads carry their real SHA-256 where it is
/// known (a blob's digest: AWS then refuses bytes that do not match) and `UNSIGNED-PAYLOAD`
/// for multipart parts.
struct CurlRequest {
    enum Body {
        case none
        case data(Data)
        /// `length` bytes of an open file from `offset`, read as they are sent.
        case file(fd: Int32, offset: Int64, length: Int64)
    }
    enum Sink {
        case memory(limit: Int)
        /// Written with pwrite from `start`: ranges of one object go to their own place.
        case file(fd: Int32, start: Int64, limit: Int64)
    }

    var method: String
    var url: String
    var body: Body = .none
    var sink: Sink = .memory(limit: 1 << 20)
    /// The payload hash libcurl signs: a hex SHA-256 or `UNSIGNED-PAYLOAD`.
    var payloadHash: String
    var headers: [String] = []
    /// Hashes the uploaded bytes on their way out, continuing from this state (blobs are checked
    /// before they count; a multipart upload carries the state from part to part).
    var uploadHasher: Hasher256?
    var progress: TransferProgress?
    /// A ranged GET: a 200 (the server ignored the range and sends the whole object) stops the
    /// transfer at once and is returned as it is, so the caller can fall back to one stream.
    var expectPartial = false
    /// Bytes written so far by a `.file` sink, read by a thread that hashes them as they land.
    var written: Atomic64?

    struct Response {
        var status: Int
        var body: Data
        var headers: [String: String]
        /// The upload hasher's state after the body was sent.
        var uploadHasher: Hasher256?
    }
}

/// Settings every request shares: credentials, region and the timeouts that keep a dead or
/// stalled server from hanging a build.
struct CurlSession: Sendable {
    var credentials: AWSCredentials
    var region: String
    /// Seconds to connect, and seconds of no progress before a transfer is given up.
    var connectTimeout: Int
    var stallTimeout: Int

    /// libcurl is loaded on first use (CCurl's shim.h): false when it is not installed.
    static let initialized: Bool = { xg_curl_available() != 0 && xg_curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK }()

    /// libcurl handles kept between requests, so a push of many small blobs reuses connections
    /// (and TLS sessions) instead of opening one per object.
    static let idle = HandlePool()

    func perform(_ request: CurlRequest) throws -> CurlRequest.Response {
        guard Self.initialized, let handle = Self.idle.take() else { throw RemoteError.local("libcurl (libcurl.so.4, Debian's libcurl4) could not be loaded or initialised: an s3:// remote needs it") }
        defer { Self.idle.give(handle) }
        let box = TransferBox(request: request, handle: handle)
        let context = Unmanaged.passUnretained(box).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>?
        defer { xg_curl_slist_free_all(list) }
        for h in request.headers + [
            "x-amz-content-sha256: \(request.payloadHash)",
        ] + (credentials.sessionToken.map { ["x-amz-security-token: \($0)"] } ?? []) {
            list = xg_curl_slist_append(list, h)
        }
        var errorText = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let code: CURLcode = errorText.withUnsafeMutableBufferPointer { errbuf in
            xg_curl_setopt_string(handle, CURLOPT_URL, request.url)
            xg_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
            xg_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
            xg_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeout)
            xg_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
            xg_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, stallTimeout)
            xg_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errbuf.baseAddress)
            // libcurl's 16 KiB default made a 1 GB download 65,000 recv/pwrite/poll rounds and
            // took three times as long as rclone's client; 512 KiB moves it in 2,000.
            xg_curl_setopt_long(handle, CURLOPT_BUFFERSIZE, 512 << 10)
            xg_curl_setopt_long(handle, CURLOPT_UPLOAD_BUFFERSIZE, 512 << 10)
            // libcurl 7.88 signs every header we set, even the empty `Expect:` that would turn
            // 100-continue off (servers then refuse the signature): keep the header, and wait at
            // most 200 ms for a server that ignores it rather than libcurl's default second.
            xg_curl_setopt_long(handle, CURLOPT_EXPECT_100_TIMEOUT_MS, 200)
            xg_curl_setopt_string(handle, CURLOPT_AWS_SIGV4, "aws:amz:\(region):s3")
            xg_curl_setopt_string(handle, CURLOPT_USERNAME, credentials.accessKey)
            xg_curl_setopt_string(handle, CURLOPT_PASSWORD, credentials.secretKey)
            xg_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
            xg_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, { ptr, size, count, ctx in
                guard let ctx, let ptr else { return 0 }
                let box = Unmanaged<TransferBox>.fromOpaque(ctx).takeUnretainedValue()
                let n = size * count
                return box.receive(UnsafeRawBufferPointer(start: ptr, count: n)) ? n : 0
            })
            xg_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
            xg_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, { ptr, size, count, ctx in
                guard let ctx, let ptr else { return 0 }
                let box = Unmanaged<TransferBox>.fromOpaque(ctx).takeUnretainedValue()
                let n = size * count
                box.header(UnsafeRawBufferPointer(start: ptr, count: n))
                return n
            })
            xg_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
            switch request.method {
            case "HEAD": xg_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
            case "GET": break
            default: xg_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
            }
            switch request.body {
            case .none:
                if request.method == "POST" || request.method == "PUT" {
                    xg_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
                    xg_curl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, 0)
                }
            case .data(let d):
                xg_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
                xg_curl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(d.count))
            case .file(_, _, let length):
                xg_curl_setopt_long(handle, CURLOPT_UPLOAD, 1)
                xg_curl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(length))
            }
            if case .none = request.body {} else {
                xg_curl_setopt_callback(handle, CURLOPT_READFUNCTION, { ptr, size, count, ctx in
                    guard let ctx, let ptr else { return Int(CURL_READFUNC_ABORT) }
                    let box = Unmanaged<TransferBox>.fromOpaque(ctx).takeUnretainedValue()
                    return box.send(UnsafeMutableRawBufferPointer(start: ptr, count: size * count))
                })
                xg_curl_setopt_pointer(handle, CURLOPT_READDATA, context)
            }
            // CUSTOMREQUEST with UPLOAD sends a PUT-like request with the method given.
            return xg_curl_easy_perform(handle)
        }
        if let failure = box.failure { throw failure }
        if box.rangeIgnored { return CurlRequest.Response(status: 200, body: Data(), headers: box.headers, uploadHasher: nil) }
        guard code == CURLE_OK else {
            let detail = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let what = detail.isEmpty ? String(cString: xg_curl_easy_strerror(code)) : detail
            throw RemoteError.unreachable("\(request.method) \(Self.redacted(request.url)): \(what)")
        }
        var status = 0
        xg_curl_response_code(handle, &status)
        return CurlRequest.Response(status: status, body: box.received, headers: box.headers,
                                    uploadHasher: box.uploadHasher)
    }

    /// URLs hold no secret (credentials travel in the signature), but an upload id is noise.
    static func redacted(_ url: String) -> String {
        url.firstIndex(of: "?").map { String(url[..<$0]) } ?? url
    }
}

/// libcurl handles, reset between uses (curl_easy_reset keeps the connection cache).
final class HandlePool: @unchecked Sendable {
    private let lock = NSLock()
    private var handles: [UnsafeMutableRawPointer] = []

    func take() -> UnsafeMutableRawPointer? {
        if let h = lock.withLock({ handles.popLast() }) { return h }
        return xg_curl_easy_init()
    }

    func give(_ handle: UnsafeMutableRawPointer) {
        xg_curl_easy_reset(handle)
        lock.withLock { handles.append(handle) }
    }
}

/// The state one transfer's callbacks share; lives for the duration of curl_easy_perform.
final class TransferBox {
    let request: CurlRequest
    let handle: UnsafeMutableRawPointer
    var received = Data()
    var headers: [String: String] = [:]
    var written: Int64 = 0
    var sent: Int64 = 0
    var failure: RemoteError?
    var rangeIgnored = false
    var uploadHasher: Hasher256?
    private var status: Int?

    init(request: CurlRequest, handle: UnsafeMutableRawPointer) {
        self.request = request; self.handle = handle
        uploadHasher = request.uploadHasher
    }

    /// Body bytes from the server: into the sink when the status is 2xx, otherwise (an error
    /// document) into memory, bounded.
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if status == nil {
            var code = 0
            xg_curl_response_code(handle, &code)
            status = code
        }
        if request.expectPartial && status == 200 {
            rangeIgnored = true
            return false
        }
        guard let status, (200..<300).contains(status) else {
            if received.count < 64 << 10 { received.append(contentsOf: bytes.prefix(64 << 10)) }
            return true
        }
        switch request.sink {
        case .memory(let limit):
            guard received.count + bytes.count <= limit else {
                failure = .refused("\(CurlSession.redacted(request.url)) is larger than \(limit) bytes: refused")
                return false
            }
            received.append(contentsOf: bytes)
        case .file(let fd, let start, let limit):
            guard let base = bytes.baseAddress else { return true }
            guard written + Int64(bytes.count) <= limit else {
                failure = .refused("\(CurlSession.redacted(request.url)) is larger than the \(limit) bytes its tree names: refused")
                return false
            }
            var off = 0
            while off < bytes.count {
                let n = pwrite(fd, base + off, bytes.count - off, off_t(start + written + Int64(off)))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .local("cannot write a download: \(String(cString: strerror(errno)))")
                    return false
                }
                off += n
            }
            written += Int64(bytes.count)
            request.written?.add(Int64(bytes.count))
            request.progress?.add(Int64(bytes.count))
        }
        return true
    }

    func header(_ bytes: UnsafeRawBufferPointer) {
        guard let line = String(bytes: bytes, encoding: .utf8), let colon = line.firstIndex(of: ":") else { return }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        headers[name] = value
    }

    /// Bytes to upload; 0 ends the body, CURL_READFUNC_ABORT stops the request.
    func send(_ out: UnsafeMutableRawBufferPointer) -> Int {
        switch request.body {
        case .none: return 0
        case .data(let d):
            let n = min(out.count, d.count - Int(sent))
            guard n > 0, let dst = out.baseAddress else { return 0 }
            d.withUnsafeBytes { src in
                if let base = src.baseAddress { dst.copyMemory(from: base + Int(sent), byteCount: n) }
            }
            sent += Int64(n)
            return n
        case .file(let fd, let offset, let length):
            let want = Int(min(Int64(out.count), length - sent))
            guard want > 0 else { return 0 }
            while true {
                let n = pread(fd, out.baseAddress, want, off_t(offset + sent))
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = .local("cannot read an upload: \(String(cString: strerror(errno)))")
                    return Int(CURL_READFUNC_ABORT)
                }
                if n == 0 {
                    failure = .local("a file shrank while it was uploaded")
                    return Int(CURL_READFUNC_ABORT)
                }
                uploadHasher?.update(buffer: UnsafeRawBufferPointer(start: out.baseAddress, count: n))
                sent += Int64(n)
                request.progress?.add(Int64(n))
                return n
            }
        }
    }
}
