import Foundation
import XGraphCore

/// A multipart upload the server holds open: started, never completed or aborted.
struct S3OpenUpload {
    /// The object key, below the remote's prefix.
    var key: String
    var id: String
    var initiated: Date?
}

/// A part an open upload holds.
struct S3Part {
    var size: Int64
    /// Lowercase, without quotes: the MD5 of the part's bytes on S3, MinIO and rclone (not with
    /// SSE-KMS or SSE-C, whose parts are then never reused).
    var etag: String
    var modified: Date?
}

/// ListMultipartUploads and ListParts: what a push resumes, and what `gc --remote` aborts.
extension S3Remote {
    /// The newest open upload of exactly `key` and its parts, or nil when there is none or the
    /// server will not say (no permission to list uploads: the push then simply starts anew).
    func openUpload(_ key: String) throws -> (id: String, parts: [Int: S3Part])? {
        guard let upload = try listOpenUploads(below: key, strict: false).filter({ $0.key == key })
            .max(by: { ($0.initiated ?? .distantPast) < ($1.initiated ?? .distantPast) }),
              let parts = try listParts(upload, strict: false) else { return nil }
        return (upload.id, parts)
    }

    /// Open uploads of objects whose key starts with `prefix` (below the remote's prefix), page
    /// by page. rclone answers NoSuchUpload where there are none. With `strict` false any
    /// refusal reads as none; a server that cannot be reached is an error either way.
    func listOpenUploads(below prefix: String, strict: Bool) throws -> [S3OpenUpload] {
        var out: [S3OpenUpload] = []
        var marker: (key: String, id: String)?
        repeat {
            // SigV4's canonical order: names sorted, values percent-encoded (libcurl signs the
            // query as written).
            var query = marker.map { "key-marker=\(Self.escape($0.key))&" } ?? ""
            query += "prefix=\(Self.escape(location.prefix + prefix))&"
            query += marker.map { "upload-id-marker=\(Self.escape($0.id))&" } ?? ""
            query += "uploads="
            var r = CurlRequest(method: "GET", url: location.bucketURL + "?" + query, payloadHash: Self.emptyHash)
            r.sink = .memory(limit: 16 << 20)
            let response = try session.perform(r)
            if Self.noSuchUpload(response) { return out }
            if !strict && !(200..<300).contains(response.status) { return [] }
            _ = try check(response, "list the open multipart uploads below \(prefix)")
            let xml = String(decoding: response.body, as: UTF8.self)
            for item in Self.elements("Upload", in: xml) {
                guard let key = Self.element("Key", in: item).map(Self.xmlUnescape), key.hasPrefix(location.prefix),
                      let id = Self.element("UploadId", in: item).map(Self.xmlUnescape) else { continue }
                out.append(S3OpenUpload(key: String(key.dropFirst(location.prefix.count)), id: id,
                                        initiated: Self.element("Initiated", in: item).flatMap(Self.date)))
            }
            marker = nil
            if Self.element("IsTruncated", in: xml) == "true",
               let key = Self.element("NextKeyMarker", in: xml).map(Self.xmlUnescape),
               let id = Self.element("NextUploadIdMarker", in: xml).map(Self.xmlUnescape) {
                marker = (key, id)
            }
        } while marker != nil
        return out
    }

    /// The parts of an open upload by number; nil when it is gone (completed or aborted
    /// meanwhile) or, with `strict` false, when the server refuses.
    func listParts(_ upload: S3OpenUpload, strict: Bool) throws -> [Int: S3Part]? {
        var out: [Int: S3Part] = [:]
        var marker: Int?
        repeat {
            let query = (marker.map { "part-number-marker=\($0)&" } ?? "") + "uploadId=\(Self.escape(upload.id))"
            var r = request("GET", upload.key, query: query)
            r.sink = .memory(limit: 16 << 20)
            let response = try session.perform(r)
            if Self.noSuchUpload(response) { return nil }
            if !strict && !(200..<300).contains(response.status) { return nil }
            _ = try check(response, "list the parts of the open upload of \(upload.key)")
            let xml = String(decoding: response.body, as: UTF8.self)
            for item in Self.elements("Part", in: xml) {
                guard let number = Self.element("PartNumber", in: item).flatMap(Int.init),
                      let size = Self.element("Size", in: item).flatMap(Int64.init),
                      let etag = Self.element("ETag", in: item) else { continue }
                let plain = Self.xmlUnescape(etag).replacingOccurrences(of: "\"", with: "").lowercased()
                out[number] = S3Part(size: size, etag: plain, modified: Self.element("LastModified", in: item).flatMap(Self.date))
            }
            let next = Self.element("NextPartNumberMarker", in: xml).flatMap(Int.init)
            // A marker that does not move on would loop for ever.
            marker = Self.element("IsTruncated", in: xml) == "true" && next != nil && next != marker ? next : nil
        } while marker != nil
        return out
    }

    /// Aborts an open upload; one already gone is not an error.
    func abortUpload(_ upload: S3OpenUpload) throws {
        let response = try session.perform(request("DELETE", upload.key, query: "uploadId=" + Self.escape(upload.id)))
        if Self.noSuchUpload(response) { return }
        _ = try check(response, "abort the open upload of \(upload.key)", allowMissing: true)
    }

    static func noSuchUpload(_ response: CurlRequest.Response) -> Bool {
        response.status == 404 && element("Code", in: String(decoding: response.body.prefix(4096), as: UTF8.self)) == "NoSuchUpload"
    }

    /// S3's times: ISO 8601 in UTC, with or without milliseconds.
    static func date(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: text)
    }
}

/// What `gc --remote` sees of open uploads and how it ends them.
extension S3Remote {
    public func unfinishedUploads() throws -> [UnfinishedUpload] {
        var out: [UnfinishedUpload] = []
        for upload in try listOpenUploads(below: "", strict: true) {
            // Gone meanwhile (completed or aborted): nothing left to collect.
            guard let parts = try listParts(upload, strict: true) else { continue }
            let newest = parts.values.compactMap(\.modified).max()
            let active = [upload.initiated, newest].compactMap { $0 }.max() ?? Date()
            out.append(UnfinishedUpload(key: upload.key, id: upload.id, lastActive: active,
                                        size: parts.values.reduce(0) { $0 + $1.size }))
        }
        return out
    }

    public func endUpload(_ upload: UnfinishedUpload, idleSince cutoff: Date) throws -> Bool {
        let open = S3OpenUpload(key: upload.key, id: upload.id, initiated: nil)
        // A part sent since the listing: a push is resuming it now.
        guard let parts = try listParts(open, strict: true) else { return false }
        if parts.values.contains(where: { ($0.modified ?? .distantFuture) > cutoff }) { return false }
        try abortUpload(open)
        return true
    }
}
