import Foundation
import XGraphCore
import XGraphGraph

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
