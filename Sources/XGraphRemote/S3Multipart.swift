import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// Multipart uploads of large blobs, resumable: a push killed (or cut off from the server) half
/// way through a 100 GB checkpoint leaves its upload open on the server, and the next push of
/// the same blob goes on from the parts the server holds instead of sending the file again.
extension S3Remote {
    /// CreateMultipartUpload (or an open upload of the same object, see `openUpload`), one
    /// UploadPart per part read straight from the file, then CompleteMultipartUpload: the object
    /// exists only after that, and only if the file's bytes hash to `digest`.
    ///
    /// A part the server already holds is used only when its size is the part's and its ETag is
    /// the MD5 of this file's bytes at that place (read here, and hashed into the blob's SHA-256
    /// on the way): a part another pusher sent of a file that differs, or that a server stores
    /// under another kind of ETag (SSE-KMS), is sent again. The whole file's SHA-256 therefore
    /// covers every byte of the object, sent or kept.
    ///
    /// A failure that may pass (the server went away) leaves the upload open for the next push;
    /// any other failure aborts an upload this push started, so the server frees its parts (one
    /// found open is left: it may be another pusher's). `gc --remote` aborts uploads left open
    /// longer than its grace period.
    func multipart(_ key: String, fd: Int32, file: String, size: Int64, digest: Digest?, progress: TransferProgress?) throws {
        if let found = try openUpload(key) {
            do {
                try multipart(key, fd: fd, file: file, size: size, digest: digest, progress: progress, resuming: found)
                return
            } catch UploadEnded.partKept {
                // A server that will not replace a part it holds (rclone streams parts to its disk
                // in order and refuses new bytes for them): a new upload of our own instead; the
                // old one is left to its owner or to gc.
            }
        }
        try multipart(key, fd: fd, file: file, size: size, digest: digest, progress: progress, resuming: nil)
    }

    /// One upload: into `resuming` (an open upload found on the server), or a new one.
    private func multipart(_ key: String, fd: Int32, file: String, size: Int64, digest: Digest?, progress: TransferProgress?,
                           resuming found: (id: String, parts: [Int: S3Part])?) throws {
        let partSize = Self.partSize(for: size, threshold: multipartThreshold)
        let uploadID = try found?.id ?? startUpload(key)
        let idQuery = "uploadId=" + Self.escape(uploadID)
        // An upload found open may be another pusher's, live: only one this push started is
        // aborted on failure.
        var keepOpen = found != nil
        var completed = false
        defer { if !completed && !keepOpen { _ = try? session.perform(request("DELETE", key, query: idQuery)) } }
        do {
            var hasher: Hasher256? = digest == nil ? nil : Hasher256()
            var parts: [String] = []
            var offset: Int64 = 0
            var number = 1
            while offset < size {
                let length = min(partSize, size - offset)
                var etag: String
                let held = found?.parts[number]
                if let held, held.size == length,
                   let (md5, carried) = try Self.readPart(fd: fd, file: file, offset: offset, length: length, hasher: hasher),
                   md5 == held.etag {
                    hasher = carried
                    etag = "\"\(md5)\""
                } else if held != nil {
                    // Bytes that are not this file's at that place: replaced where the server allows it.
                    do {
                        (etag, hasher) = try sendPart(key, number: number, idQuery: idQuery, fd: fd, offset: offset, length: length,
                                                      objectSize: size, hasher: hasher, progress: progress, attempts: 1)
                    } catch let e as RemoteError {
                        if case .unreachable = e { throw e }
                        throw UploadEnded.partKept
                    }
                } else {
                    (etag, hasher) = try sendPart(key, number: number, idQuery: idQuery, fd: fd, offset: offset, length: length,
                                                  objectSize: size, hasher: hasher, progress: progress)
                }
                parts.append("<Part><PartNumber>\(number)</PartNumber><ETag>\(Self.xmlEscape(etag))</ETag></Part>")
                offset += length
                number += 1
            }
            if let digest, let got = hasher?.finalize(), got != digest {
                throw RemoteError.local("\(file) no longer holds the bytes of \(digest.short) (they hash to \(got.short)): not pushed; run `xgraph verify --repair`")
            }
            let xml = Data(("<CompleteMultipartUpload>" + parts.joined() + "</CompleteMultipartUpload>").utf8)
            let done = try session.perform(request("POST", key, query: idQuery, body: .data(xml), payloadHash: Digest.of(xml).hex))
            try finishedElsewhere(done, key: key, size: size)
            _ = try check(done, "complete the multipart upload of \(key)")
            // S3 may answer 200 and put the failure in the body.
            if Self.element("Code", in: String(decoding: done.body, as: UTF8.self)) != nil {
                throw RemoteError.server("complete the multipart upload of \(key): \(String(decoding: done.body.prefix(512), as: UTF8.self))")
            }
            completed = true
        } catch let e as RemoteError where e.isTransient {
            keepOpen = true
            throw e
        } catch UploadEnded.objectThere {
            completed = true
        } catch UploadEnded.gone {
            // Nothing to abort; the next try (a passing failure) starts a new upload.
            completed = true
            throw RemoteError.server("the multipart upload of \(key) was ended by someone else (a concurrent push or `gc --remote`)")
        }
    }

    /// Another pusher of the same blob completed (or gc aborted) the upload this one was adding
    /// to: the server says NoSuchUpload. When the object is there whole, that pusher checked its
    /// bytes against the blob's name as this one would have (`objectThere`); otherwise (`gone`)
    /// the next try starts a new upload.
    private func finishedElsewhere(_ response: CurlRequest.Response, key: String, size: Int64) throws {
        guard Self.noSuchUpload(response) else { return }
        throw try head(key) == size ? UploadEnded.objectThere : UploadEnded.gone
    }

    /// `partKept`: a server refused to replace a part of an upload found open.
    private enum UploadEnded: Error { case objectThere, gone, partKept }

    private func startUpload(_ key: String) throws -> String {
        let created = try session.perform(request("POST", key, query: "uploads=", body: .data(Data())))
        _ = try check(created, "start a multipart upload of \(key)")
        guard let uploadID = Self.element("UploadId", in: String(decoding: created.body, as: UTF8.self)).map(Self.xmlUnescape),
              !uploadID.isEmpty else {
            throw RemoteError.server("start a multipart upload of \(key): the server sent no UploadId")
        }
        return uploadID
    }

    /// One UploadPart, sent again for a passing failure (from the same hash state: the hasher is
    /// a value), so a dropped connection at part 900 of a 100 GB upload costs one part, not the
    /// file. Returns the part's ETag and the hash state after its bytes.
    private func sendPart(_ key: String, number: Int, idQuery: String, fd: Int32, offset: Int64, length: Int64,
                          objectSize: Int64, hasher: Hasher256?, progress: TransferProgress?,
                          attempts: Int = S3Remote.partAttempts) throws -> (String, Hasher256?) {
        let r = request("PUT", key, query: "partNumber=\(number)&\(idQuery)", body: .file(fd: fd, offset: offset, length: length),
                        payloadHash: "UNSIGNED-PAYLOAD", hasher: hasher, progress: progress)
        var pause = 0.5
        var attempt = 1
        while true {
            do {
                let got = try session.perform(r)
                try finishedElsewhere(got, key: key, size: objectSize)
                _ = try check(got, "upload part \(number) of \(key)")
                guard let etag = got.headers["etag"] else { throw RemoteError.server("part \(number) of \(key): no ETag in the reply") }
                return (etag, got.uploadHasher)
            } catch let e as RemoteError where e.isTransient && attempt < attempts {
                Thread.sleep(forTimeInterval: pause)
                pause *= 2
                attempt += 1
            }
        }
    }

    /// The MD5 (lowercase hex, an S3 part's ETag) of `length` bytes of the file from `offset`,
    /// and `hasher` carried over the same bytes; nil when the file ends before them.
    static func readPart(fd: Int32, file: String, offset: Int64, length: Int64, hasher: Hasher256?) throws -> (String, Hasher256?)? {
        var hasher = hasher
        var md5 = MD5Hasher()
        let size = 1 << 20
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 64)
        defer { buf.deallocate() }
        guard let base = buf.baseAddress else { throw RemoteError.local("out of memory") }
        var done: Int64 = 0
        while done < length {
            let n = pread(fd, base, Int(min(Int64(size), length - done)), off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw RemoteError.local("cannot read \(file): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return nil }
            let chunk = UnsafeRawBufferPointer(start: base, count: n)
            md5.update(chunk)
            hasher?.update(buffer: chunk)
            done += Int64(n)
        }
        return (try md5.finalize(), hasher)
    }
}
