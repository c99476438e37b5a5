import Foundation
import XGraphCore

/// S3 credentials from where AWS tools look: `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`
/// (and `AWS_SESSION_TOKEN`), else the profile `AWS_PROFILE` (or `default`) of
/// `AWS_SHARED_CREDENTIALS_FILE` (or `~/.aws/credentials`). Never from the experiment file, and
/// never printed: `description` names only where they came from and the key id's first letters.
struct AWSCredentials: Sendable, CustomStringConvertible {
    var accessKey: String
    var secretKey: String
    var sessionToken: String?
    var source: String

    var description: String { "access key \(accessKey.prefix(4))… from \(source)" }

    static func load(environment env: [String: String] = ProcessInfo.processInfo.environment) throws -> AWSCredentials {
        if let id = env["AWS_ACCESS_KEY_ID"], !id.isEmpty {
            guard let secret = env["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty else {
                throw XGraphError.usage("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both for the S3 remote")
            }
            return AWSCredentials(accessKey: id, secretKey: secret, sessionToken: env["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 },
                                  source: "the environment")
        }
        let profile = env["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        let home = env["HOME"] ?? NSHomeDirectory()
        let file = env["AWS_SHARED_CREDENTIALS_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.aws/credentials"
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw XGraphError.usage("no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or add a [\(profile)] profile to \(file)")
        }
        var section: String?
        var values: [String: String] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw XGraphError.usage("\(file):\(n + 1):1: a section header must end with ']'") }
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                continue
            }
            guard section == profile, let eq = line.firstIndex(of: "=") else { continue }
            values[line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()] = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        }
        guard let id = values["aws_access_key_id"], !id.isEmpty, let secret = values["aws_secret_access_key"], !secret.isEmpty else {
            throw XGraphError.usage("\(file) has no aws_access_key_id and aws_secret_access_key in profile [\(profile)]")
        }
        return AWSCredentials(accessKey: id, secretKey: secret, sessionToken: values["aws_session_token"],
                              source: "profile [\(profile)] of \(file)")
    }
}
