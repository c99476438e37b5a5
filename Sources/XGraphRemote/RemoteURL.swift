import Foundation
import XGraphCore

/// Where a remote cache lives, parsed from `remote:`, `--remote` or `XGRAPH_REMOTE`:
///
///     file:///path/to/folder                  a shared folder (NFS, a USB disk)
///     s3://BUCKET[/PREFIX][?endpoint=URL&region=R&path_style=1]
///
/// Credentials never come from here (nor from the experiment file): a URL with a user or
/// password part is refused, so a secret pasted into it is never stored or printed.
public struct RemoteURL: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case folder(String)
        case s3(S3Location)
    }
    public var kind: Kind
    /// The URL as the user wrote it (it holds no secret: see above).
    public var text: String

    public var description: String { text }

    public init(parsing raw: String) throws {
        let text = raw.trimmingCharacters(in: .whitespaces)
        // No part of a remote URL may hold '@' (bucket names, prefixes and endpoints cannot):
        // it would be `user:secret@`, and the message must not repeat the URL.
        guard !text.contains("@") else {
            throw XGraphError.usage("a remote URL holds '@' (a user or password?): credentials do not belong in the URL; "
                + "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile in ~/.aws/credentials)")
        }
        self.text = text
        if text.hasPrefix("file://") {
            let path = String(text.dropFirst("file://".count))
            guard path.hasPrefix("/") else {
                throw XGraphError.usage("remote '\(text)': a file remote needs an absolute path, as in file:///srv/xgraph-cache")
            }
            guard !path.contains("?"), !path.contains("#") else {
                throw XGraphError.usage("remote '\(text)': a file remote takes no query or fragment")
            }
            let clean = (path as NSString).standardizingPath
            kind = .folder(clean.removingPercentEncoding ?? clean)
            return
        }
        guard text.hasPrefix("s3://") else {
            throw XGraphError.usage("remote '\(text)': expected file:///PATH or s3://BUCKET/PREFIX[?endpoint=…&region=…&path_style=1]")
        }
        kind = .s3(try S3Location(parsing: text))
    }
}

/// An S3 bucket and key prefix, and how to reach it.
public struct S3Location: Sendable, Equatable {
    public var bucket: String
    /// "" or a prefix ending in "/".
    public var prefix: String
    /// scheme://host[:port] of an S3-compatible server; nil for AWS itself.
    public var endpoint: String?
    public var region: String
    /// Path-style addressing (`endpoint/bucket/key`), which MinIO, rclone and most local servers
    /// need; AWS uses virtual-hosted style (`bucket.endpoint/key`).
    public var pathStyle: Bool

    static let keyCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./")
    static let bucketCharacters = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyz0123456789-.")

    init(parsing text: String) throws {
        let rest = text.dropFirst("s3://".count)
        let (location, query) = rest.firstIndex(of: "?").map { (rest[..<$0], String(rest[rest.index(after: $0)...])) } ?? (rest, "")
        let slash = location.firstIndex(of: "/")
        let bucket = String(slash.map { location[..<$0] } ?? location)
        guard !bucket.contains("@") else {
            throw XGraphError.usage("remote '\(text)': credentials do not belong in the URL; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile in ~/.aws/credentials)")
        }
        guard (3...63).contains(bucket.count), bucket.unicodeScalars.allSatisfy(Self.bucketCharacters.contains) else {
            throw XGraphError.usage("remote '\(text)': '\(bucket)' is not a bucket name (3 to 63 of a-z, 0-9, '-' and '.')")
        }
        var prefix = slash.map { String(location[location.index(after: $0)...]) } ?? ""
        guard prefix.unicodeScalars.allSatisfy(Self.keyCharacters.contains),
              !prefix.split(separator: "/", omittingEmptySubsequences: false).dropLast().contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) else {
            throw XGraphError.usage("remote '\(text)': the prefix '\(prefix)' may hold only letters, digits, '-', '_', '.' and single '/' between names")
        }
        if !prefix.isEmpty && !prefix.hasSuffix("/") { prefix += "/" }
        var endpoint: String?
        var region = ProcessInfo.processInfo.environment["AWS_REGION"] ?? ProcessInfo.processInfo.environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        var pathStyle: Bool?
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let name = kv[0], value = kv.count > 1 ? (kv[1].removingPercentEncoding ?? kv[1]) : ""
            switch name {
            case "endpoint":
                guard value.hasPrefix("http://") || value.hasPrefix("https://"),
                      let url = URL(string: value), url.host != nil, url.user == nil, url.password == nil,
                      url.path.isEmpty || url.path == "/", url.query == nil else {
                    throw XGraphError.usage("remote '\(text)': endpoint '\(value)' must be http(s)://HOST[:PORT], with no path or credentials")
                }
                endpoint = value.hasSuffix("/") ? String(value.dropLast()) : value
            case "region":
                guard !value.isEmpty, value.unicodeScalars.allSatisfy(Self.bucketCharacters.contains) else {
                    throw XGraphError.usage("remote '\(text)': region '\(value)' is not a region name such as eu-west-1")
                }
                region = value
            case "path_style":
                guard let b = ["1": true, "true": true, "0": false, "false": false][value] else {
                    throw XGraphError.usage("remote '\(text)': path_style is 1 or 0, not '\(value)'")
                }
                pathStyle = b
            default:
                throw XGraphError.usage("remote '\(text)': unknown setting '\(name)'; valid: endpoint, region, path_style")
            }
        }
        self.bucket = bucket; self.prefix = prefix; self.endpoint = endpoint; self.region = region
        // A server of one's own is nearly always path-style; AWS is virtual-hosted.
        self.pathStyle = pathStyle ?? (endpoint != nil)
    }

    /// The URL of an object key (below the prefix): key characters are all URL-safe (checked
    /// above, and the store's own names are hex), so nothing needs escaping.
    func objectURL(_ key: String) -> String {
        bucketURL + "/" + prefix + key
    }

    /// The bucket's own URL (listings are asked of the bucket, with the prefix in the query).
    var bucketURL: String {
        let base: String
        if let endpoint {
            if pathStyle { base = "\(endpoint)/\(bucket)" } else {
                let scheme = endpoint.hasPrefix("https://") ? "https://" : "http://"
                base = scheme + bucket + "." + endpoint.dropFirst(scheme.count)
            }
        } else {
            base = pathStyle ? "https://s3.\(region).amazonaws.com/\(bucket)" : "https://\(bucket).s3.\(region).amazonaws.com"
        }
        return base
    }
}
