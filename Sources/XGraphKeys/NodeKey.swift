import Foundation
import XGraphCore
import XGraphGraph

/// A node's key and the parts it was hashed from.
public struct NodeKey: Sendable, Equatable {
    public var key: Digest
    public var parts: [KeyPart]
}

/// Computes node keys: shallow constructive traces (docs/design.md §4). A key hashes what determines a
/// node's outputs and nothing else: never the store location, the attempt, the executor or its
/// resources (GPU count only when the step declares that it changes results).
public enum NodeKeyer {
    /// - Parameters:
    ///   - codeDigests: content digest of each absolute path in `node.code`, and of the node's
    ///     container image file (`.sif`) if it has one.
    ///   - inputDigests: input name → the *output* digest of the upstream node (not its key), so
    ///     identical upstream bytes leave this key alone (early cutoff).
    ///   - builtinVersion: the version of the built-in steps, for `.builtin` nodes.
    ///   - environment: the inherited environment, for the variables a step names in `key_env:`
    ///     (this process's when nil).
    public static func key(for node: Node, codeDigests: [String: Digest], inputDigests: [String: Digest],
                           builtinVersion: Int, cache: KeyPartCache? = nil,
                           environment: [String: String]? = nil) throws -> NodeKey {
        var parts: [KeyPart] = []
        parts.reserveCapacity(8 + (node.params.objectValue?.count ?? 0) + node.code.count + node.inputs.count)
        func add(_ name: KeyPartName, _ value: String) {
            parts.append(KeyPart(name, value: value, digest: Digest.of(value)))
        }
        // Parts that are the same for every node of a step are computed once per step.
        func addStatic(_ name: KeyPartName, _ value: @autoclosure () -> String) {
            if let cache { parts.append(cache.part(step: node.step, name: name.text, label: nil, value())) }
            else { add(name, value()) }
        }
        addStatic(.version, String(KeyVersion.current))
        switch node.kind {
        case .shell: addStatic(.kind, "shell")
        case .builtin(let b): addStatic(.kind, "builtin:\(b) v\(builtinVersion)")
        case .source: throw XGraphError.build("dataset \(node.id) has a fingerprint, not a key")
        }
        for (name, value) in (node.params.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let cache {
                // In a scaling grid the same subset, capacity and task objects recur in thousands
                // of a step's nodes. The axis label only narrows the search: a node's entry can
                // differ from its label's other nodes (a replicate `seed` axis rewrites the subset
                // entry's seed; two datasets' subsets share a size label), so a part is reused
                // only for an identical value, and the key never depends on which node came first.
                let label = node.axes.first(where: { $0.axis == name })?.value
                parts.append(cache.part(step: node.step, name: KeyPartName.param(name).text, label: label, value: value))
            } else {
                add(.param(name), value.canonical)
            }
        }
        add(.command, node.command)
        for (path, name) in zip(node.code, node.codeNames) {
            guard let d = codeDigests[path] else {
                throw XGraphError.build("no digest for code \(name) of \(node.id)")
            }
            parts.append(KeyPart(.code(name), value: d.hex, digest: d))
        }
        for (name, value) in node.env.sorted(by: { $0.key < $1.key }) {
            add(.env(name), value)
        }
        // Only for steps that name some, so other keys are unchanged. An unset variable is
        // `null`, never the empty string a set one may hold.
        if !node.keyedEnvironment.isEmpty {
            let env = environment ?? Self.inheritedEnvironment
            for name in node.keyedEnvironment {
                add(.inheritedEnv(name), (env[name].map(JSONValue.string) ?? .null).canonical)
            }
        }
        // Only for nodes that run in a container, so other keys are unchanged. A .sif's content
        // digest comes with the code digests (it is a file the node depends on, hashed the same
        // way); a registry or local image is named by its digest already.
        if let container = node.container {
            let fileDigest = container.imageFile.flatMap { codeDigests[$0] }
            guard let value = container.keyValue(fileDigest: fileDigest) else {
                throw XGraphError.build("no digest for container image \(container.written) of \(node.id)")
            }
            add(.container, value)
        }
        addStatic(.outputs, JSONValue.array(node.outputs.sorted().map(JSONValue.string)).canonical)
        if node.gpusInKey { addStatic(.gpus, String(node.resources.gpus)) }
        for edge in node.inputs.sorted(by: { $0.name < $1.name }) {
            guard let d = inputDigests[edge.name] else {
                throw XGraphError.build("input \(edge.name) of \(node.id) has no output digest yet")
            }
            parts.append(KeyPart(.input(edge.name), value: d.hex, digest: d))
        }
        return NodeKey(key: combine(parts), parts: parts)
    }

    /// Read once, and only for a step with `key_env:`: building the environment dictionary per
    /// node was two thirds of a no-op plan.
    static let inheritedEnvironment = ProcessInfo.processInfo.environment

    /// The canonical encoding: one line per part, `LENGTH:NAME DIGEST LF` (LENGTH the name's
    /// UTF-8 byte count in decimal, DIGEST 64 hex digits), in the order above, under a
    /// domain-separating header. The length prefix makes the encoding injective whatever a
    /// name holds; the loader also refuses control characters in names.
    static func combine(_ parts: [KeyPart]) -> Digest {
        // One buffer of the exact size, filled by memcpy, one hash: this runs for every node of
        // every null build, and growing an array through generic appends (a String per digit
        // run, a UTF8View per name and digest) cost several times the hashing.
        let header: StaticString = "xgraph-node-key\n"
        var size = header.utf8CodeUnitCount
        for p in parts { size += decimalLength(p.name.utf8.count) + p.name.utf8.count + p.digest.hex.utf8.count + 3 }
        var bytes = [UInt8](unsafeUninitializedCapacity: size) { buf, count in
            guard let base = buf.baseAddress else { return }
            var at = 0
            func put(_ src: UnsafeBufferPointer<UInt8>) {
                guard let s = src.baseAddress, !src.isEmpty else { return }
                (base + at).update(from: s, count: src.count)
                at += src.count
            }
            put(UnsafeBufferPointer(start: header.utf8Start, count: header.utf8CodeUnitCount))
            for p in parts {
                var name = p.name, hex = p.digest.hex
                let n = name.utf8.count
                var digits = decimalLength(n), v = n
                while digits > 0 { digits -= 1; base[at + digits] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: v % 10); v /= 10 }
                at += decimalLength(n)
                base[at] = UInt8(ascii: ":"); at += 1
                name.withUTF8 { put($0) }
                base[at] = UInt8(ascii: " "); at += 1
                hex.withUTF8 { put($0) }
                base[at] = 0x0A; at += 1
            }
            count = at
        }
        return bytes.withUnsafeMutableBytes { Digest.of(buffer: UnsafeRawBufferPointer($0)) }
    }

    /// The number of decimal digits of `n` (n ≥ 0).
    static func decimalLength(_ n: Int) -> Int {
        var digits = 1, v = n
        while v >= 10 { v /= 10; digits += 1 }
        return digits
    }
}

/// Key parts computed once per value within one expanded graph: a step's constant parts, and
/// its param entries, looked up by axis label and reused only for an identical value
/// (`JSONValue.isIdentical`), so a cached part is always the part the value itself gives. Use
/// one cache per graph: a step's constant parts (version, kind, outputs) are assumed constant
/// within it.
public final class KeyPartCache: @unchecked Sendable {
    private let lock = NSLock()
    private var constants: [PartID: KeyPart] = [:]
    /// The distinct values seen under one (step, part, label), usually one; a replicate axis
    /// makes it one per replicate.
    private var params: [PartID: [(value: JSONValue, part: KeyPart)]] = [:]

    private struct PartID: Hashable {
        var step: String
        var name: String
        var label: String?
    }

    public init() {}

    /// A step's constant part `name`.
    func part(step: String, name: String, label: String?, _ value: @autoclosure () -> String) -> KeyPart {
        let id = PartID(step: step, name: name, label: label)
        if let hit = lock.withLock({ constants[id] }) { return hit }
        let text = value()
        let part = KeyPart(name: name, value: text, digest: Digest.of(text))
        lock.withLock { constants[id] = part }
        return part
    }

    /// The part of param `name` holding `value`, for a node whose axis value is `label`.
    func part(step: String, name: String, label: String?, value: JSONValue) -> KeyPart {
        let id = PartID(step: step, name: name, label: label)
        if let hit = lock.withLock({ params[id]?.first(where: { $0.value.isIdentical(to: value) })?.part }) { return hit }
        let text = value.canonical
        let part = KeyPart(name: name, value: text, digest: Digest.of(text))
        lock.withLock {
            // A label under which values keep changing is not worth a longer scan.
            let seen = params[id] ?? []
            if seen.count < 16, !seen.contains(where: { $0.value.isIdentical(to: value) }) {
                params[id, default: []].append((value, part))
            }
        }
        return part
    }
}
