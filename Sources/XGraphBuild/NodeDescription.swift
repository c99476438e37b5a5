import Foundation
import XGraphCore
import XGraphGraph
import XGraphKeys

/// All a cluster job needs to run one node, written by the head into the store before the job
/// is submitted (`jobs/descriptions/`, named by the SHA-256 of its bytes) and read by the job's
/// runner (`xgraph run-node --description`) instead of the experiment file: planning happens on
/// the head, and execution never parses YAML.
///
/// It holds the node as the head expanded it (command with its role placeholders, environment,
/// code paths, resources, container), the version of the built-in steps, the head's provenance,
/// the key the head computed with its parts (when the head knew it), and, for each input, how
/// the runner finds exactly the bytes the head meant. The runner digests the node's code and
/// datasets again, computes the key from what it can see and refuses to run when that differs
/// from the head's.
///
/// Format history:
/// * 1: first version.
public struct NodeDescription: Codable, Sendable {
    public static let currentFormat = 1

    public var format: Int
    public var node: DescribedNode
    /// `BuiltinSteps.version` of the head, for the `kind` key part of a built-in step.
    public var builtinVersion: Int
    /// The key the head computed and its parts; nil when an input was still to be built.
    public var expectedKey: ExpectedKey?
    /// In the order of the node's inputs.
    public var inputs: [DescribedInput]
    /// The head's digest of each `code:` path and container image file: the job runs only the
    /// code it was submitted with, also when the key was not known yet.
    public var codeDigests: [String: Digest]
    /// `build --force`: run even if the key is in the store.
    public var forced: Bool
    public var provenance: DescribedProvenance

    public init(format: Int = NodeDescription.currentFormat, node: DescribedNode, builtinVersion: Int, expectedKey: ExpectedKey?,
                inputs: [DescribedInput], codeDigests: [String: Digest], forced: Bool, provenance: DescribedProvenance) {
        self.format = format; self.node = node; self.builtinVersion = builtinVersion; self.expectedKey = expectedKey
        self.inputs = inputs; self.codeDigests = codeDigests; self.forced = forced; self.provenance = provenance
    }

    /// The bytes written to the store: sorted keys, so equal descriptions have equal names.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    /// Reads a description, with an error that names `path` and says what is wrong.
    public static func decode(_ data: Data, path: String) throws -> NodeDescription {
        struct Header: Decodable { var format: Int }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw XGraphError.usage("\(path) is not a node description (JSON with a \"format\" number)")
        }
        guard header.format == currentFormat else {
            throw XGraphError.usage("\(path) is a node description of format \(header.format); this xgraph reads format "
                + "\(currentFormat): run the job with the xgraph that submitted it")
        }
        let description: NodeDescription
        do { description = try JSONDecoder().decode(NodeDescription.self, from: data) }
        catch { throw XGraphError.usage("\(path): not a valid node description: \(error)") }
        try description.check(path: path)
        return description
    }

    /// Consistency a well-formed file can still lack.
    private func check(path: String) throws {
        let edges = node.inputs.map { $0.first ?? "" }
        guard edges == inputs.map(\.name) else {
            throw XGraphError.usage("\(path): the inputs described (\(inputs.map(\.name))) are not the node's (\(edges))")
        }
        guard node.code.count == node.codeNames.count else {
            throw XGraphError.usage("\(path): \(node.code.count) code paths but \(node.codeNames.count) names")
        }
        if node.kind == "dataset" { throw XGraphError.usage("\(path) describes a dataset; only steps run") }
    }
}

/// The key the head computed for the node, and the parts it hashed (for the message when the
/// runner's key differs).
public struct ExpectedKey: Codable, Sendable {
    public var key: Digest
    public var parts: [KeyPart]
    public init(_ key: NodeKey) { self.key = key.key; self.parts = key.parts }
}

/// Where one input's bytes are, as the head knew it.
public struct DescribedInput: Codable, Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// A declared dataset: the runner fingerprints it again.
        case dataset(path: String, fingerprint: FingerprintMode)
        /// The output of an upstream node already recorded (its artifact's digest).
        case output(Digest)
        /// The output recorded under this key: the upstream node's key was known but its job
        /// had not run yet.
        case recordedKey(Digest)
        /// The output of the job that ran the description with this digest: the upstream
        /// node's key is computed by its own job, which notes it in the store when it records.
        case job(description: Digest)
    }

    /// The input's name in the command (`{{inputs.NAME}}`).
    public var name: String
    /// The upstream node id, for messages.
    public var node: String
    public var source: Source

    public init(name: String, node: String, source: Source) { self.name = name; self.node = node; self.source = source }

    private enum CodingKeys: String, CodingKey { case name, node, dataset, fingerprint, output, recordedKey, job }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        node = try c.decode(String.self, forKey: .node)
        if let path = try c.decodeIfPresent(String.self, forKey: .dataset) {
            source = .dataset(path: path, fingerprint: try c.decode(DescribedFingerprint.self, forKey: .fingerprint).mode)
        } else if let d = try c.decodeIfPresent(Digest.self, forKey: .output) {
            source = .output(d)
        } else if let d = try c.decodeIfPresent(Digest.self, forKey: .recordedKey) {
            source = .recordedKey(d)
        } else if let d = try c.decodeIfPresent(Digest.self, forKey: .job) {
            source = .job(description: d)
        } else {
            throw DecodingError.dataCorruptedError(forKey: .dataset, in: c,
                debugDescription: "input \(name) names none of dataset, output, recordedKey, job")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(node, forKey: .node)
        switch source {
        case .dataset(let path, let mode):
            try c.encode(path, forKey: .dataset)
            try c.encode(DescribedFingerprint(mode), forKey: .fingerprint)
        case .output(let d): try c.encode(d, forKey: .output)
        case .recordedKey(let d): try c.encode(d, forKey: .recordedKey)
        case .job(let d): try c.encode(d, forKey: .job)
        }
    }
}

/// A dataset's fingerprint mode as JSON: `"content"`, `"stat"` or `{"version": "…"}`.
struct DescribedFingerprint: Codable {
    var mode: FingerprintMode
    init(_ mode: FingerprintMode) { self.mode = mode }

    private enum CodingKeys: String, CodingKey { case kind, version }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        switch try c.decode(String.self, forKey: .kind) {
        case "content": mode = .content
        case "stat": mode = .stat
        case "version": mode = .version(try c.decode(String.self, forKey: .version))
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: c,
                debugDescription: "fingerprint '\(other)': expected content, stat or version")
        }
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch mode {
        case .content: try c.encode("content", forKey: .kind)
        case .stat: try c.encode("stat", forKey: .kind)
        case .version(let v): try c.encode("version", forKey: .kind); try c.encode(v, forKey: .version)
        }
    }
}

/// The head's provenance, written into the record the job makes.
public struct DescribedProvenance: Codable, Sendable {
    public var gitCommit: String?
    public var gitBranch: String?
    public var gitDirty: Bool?
    public var gitDiffDigest: Digest?
    /// The node's `code:` paths (absolute) that hold files the commit does not pin down; nil
    /// outside git (no commit is claimed, so nothing is untracked).
    public var untrackedCode: [String]?
    public var buildID: String

    public init(_ p: BuildProvenance, untrackedCode: [String]?) {
        gitCommit = p.gitCommit; gitBranch = p.gitBranch; gitDirty = p.gitDirty; gitDiffDigest = p.gitDiffDigest
        self.untrackedCode = untrackedCode; buildID = p.buildID
    }

    /// As the job records it: the head's git state and build, this host.
    var buildProvenance: BuildProvenance {
        var p = BuildProvenance(gitCommit: gitCommit, gitBranch: gitBranch, gitDirty: gitDirty, gitDiffDigest: gitDiffDigest)
        p.buildID = String(buildID.prefix(200))
        return p
    }
}
