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

/// A `Node` as JSON: every field, so the runner's node is the head's.
public struct DescribedNode: Codable, Sendable {
    public var id: String
    public var step: String
    public var axes: [[String]]
    /// `shell`, `builtin` (with `builtin`), never a dataset.
    public var kind: String
    public var builtin: String?
    /// Typed (`DescribedJSON`): `1.0` must come back a double, or its key part would not match.
    public var params: DescribedJSON
    public var command: String
    public var inputs: [[String]]
    public var outputs: [String]
    public var code: [String]
    public var codeNames: [String]
    public var env: [String: String]
    public var keyedEnvironment: [String]
    public var resources: Resources
    public var gpusInKey: Bool
    public var retries: Int
    public var resume: Bool
    public var estimateSeconds: Double?
    public var mutex: [String]
    public var maxParallel: Int?
    public var slurm: SlurmProfile
    public var container: DescribedContainer?
    public var workdir: String
    public var location: SourceLocation

    public init(_ n: Node) {
        id = n.id; step = n.step; axes = n.axes.map { [$0.axis, $0.value] }
        switch n.kind {
        case .shell: kind = "shell"
        case .builtin(let b): kind = "builtin"; builtin = b
        case .source: kind = "dataset"
        }
        params = DescribedJSON(n.params); command = n.command; inputs = n.inputs.map { [$0.name, $0.node] }
        outputs = n.outputs; code = n.code; codeNames = n.codeNames; env = n.env; keyedEnvironment = n.keyedEnvironment
        resources = n.resources; gpusInKey = n.gpusInKey; retries = n.retries; resume = n.resume
        estimateSeconds = n.estimateSeconds; mutex = n.mutex; maxParallel = n.maxParallel; slurm = n.slurm
        container = n.container.map(DescribedContainer.init); workdir = n.workdir; location = n.location
    }

    /// The node, through its public initializer.
    public func node() throws -> Node {
        let nodeKind: NodeKind
        switch kind {
        case "shell": nodeKind = .shell
        case "builtin":
            guard let builtin else { throw XGraphError.usage("node \(id): kind builtin without a builtin name") }
            nodeKind = .builtin(builtin)
        default: throw XGraphError.usage("node \(id): kind '\(kind)' cannot run (expected shell or builtin)")
        }
        func pairs(_ list: [[String]], _ what: String) throws -> [(String, String)] {
            try list.map { p in
                guard p.count == 2 else { throw XGraphError.usage("node \(id): \(what) \(p) is not a pair") }
                return (p[0], p[1])
            }
        }
        return Node(id: id, step: step, axes: try pairs(axes, "axis").map { AxisValue(axis: $0.0, value: $0.1) }, kind: nodeKind,
                    params: params.value, command: command, inputs: try pairs(inputs, "input").map { InputEdge(name: $0.0, node: $0.1) },
                    outputs: outputs, code: code, codeNames: codeNames, env: env, resources: resources, gpusInKey: gpusInKey,
                    retries: retries, resume: resume, estimateSeconds: estimateSeconds, mutex: mutex, workdir: workdir,
                    location: location, maxParallel: maxParallel, slurm: slurm, keyedEnvironment: keyedEnvironment,
                    container: try container?.spec())
    }
}

/// A `ContainerSpec` as JSON.
public struct DescribedContainer: Codable, Sendable {
    public var sif: String?
    public var registry: String?
    public var registryDigest: String?
    public var imageID: String?
    public var runtime: ContainerRuntime
    public var options: [String]
    public var written: String
    public var location: SourceLocation

    init(_ c: ContainerSpec) {
        switch c.image {
        case .sif(let path): sif = path
        case .registry(let reference, let digest): registry = reference; registryDigest = digest
        case .imageID(let id): imageID = id
        }
        runtime = c.runtime; options = c.options; written = c.written; location = c.location
    }

    func spec() throws -> ContainerSpec {
        let image: ContainerImage
        if let sif { image = .sif(path: sif) }
        else if let registry, let registryDigest { image = .registry(reference: registry, digest: registryDigest) }
        else if let imageID { image = .imageID(imageID) }
        else { throw XGraphError.usage("container \(written): no image (sif, registry with its digest, or image id)") }
        return ContainerSpec(image: image, runtime: runtime, options: options, written: written, location: location)
    }
}

/// A `JSONValue` whose doubles stay doubles: plain JSON would bring `2.0` back as the integer 2,
/// whose canonical text (and so the key part of a param holding it) differs. Doubles are written
/// `{"double": 2.0}` and objects `{"object": {…}}`, so no user key is taken for a marker.
public struct DescribedJSON: Codable, Sendable {
    public var value: JSONValue
    public init(_ value: JSONValue) { self.value = value }

    private enum Marker: String, CodingKey { case double, object }

    public init(from decoder: Decoder) throws {
        if let c = try? decoder.container(keyedBy: Marker.self) {
            if let d = try c.decodeIfPresent(Double.self, forKey: .double) { value = .double(d); return }
            if let o = try c.decodeIfPresent([String: DescribedJSON].self, forKey: .object) { value = .object(o.mapValues(\.value)); return }
            throw DecodingError.dataCorruptedError(forKey: .object, in: c, debugDescription: "an object without \"double\" or \"object\"")
        }
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { value = .null }
        else if let b = try? c.decode(Bool.self) { value = .bool(b) }
        else if let s = try? c.decode(String.self) { value = .string(s) }
        else if let i = try? c.decode(Int.self) { value = .int(i) }
        else { value = .array(try c.decode([DescribedJSON].self).map(\.value)) }
    }

    public func encode(to encoder: Encoder) throws {
        switch value {
        case .double(let d):
            var c = encoder.container(keyedBy: Marker.self)
            try c.encode(d, forKey: .double)
        case .object(let o):
            var c = encoder.container(keyedBy: Marker.self)
            try c.encode(o.mapValues(DescribedJSON.init), forKey: .object)
        case .null:
            var c = encoder.singleValueContainer(); try c.encodeNil()
        case .bool(let b):
            var c = encoder.singleValueContainer(); try c.encode(b)
        case .int(let i):
            var c = encoder.singleValueContainer(); try c.encode(i)
        case .string(let s):
            var c = encoder.singleValueContainer(); try c.encode(s)
        case .array(let a):
            var c = encoder.singleValueContainer(); try c.encode(a.map(DescribedJSON.init))
        }
    }
}
