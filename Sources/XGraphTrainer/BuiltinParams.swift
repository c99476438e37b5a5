import XGraphCore

/// A builtin's view of XGRAPH_PARAMS: the step's own parameters at the top level, plus one
/// entry per axis of the node. Declared axes are objects with a `kind` (subset, capacity,
/// task); a field is looked up in the axis of the kind a builtin names first, then at the top
/// level, so a user may write `labels: coarse` in a task or directly in the step's params.
final class BuiltinParams {
    let builtin: String
    private let top: [String: JSONValue]
    private var read: Set<String> = []

    init(builtin: String, params: JSONValue) throws {
        self.builtin = builtin
        switch params {
        case .null: top = [:]
        case .object(let o): top = o
        default: throw XGraphError.spec(nil, "builtin:\(builtin): parameters must be a JSON object, got \(params.canonical)")
        }
    }

    /// The first axis of `kind` (axes are visited in name order, so the pick is stable).
    func axis(_ kind: String) -> [String: JSONValue]? {
        for name in top.keys.sorted() {
            if let o = top[name]?.objectValue, o["kind"]?.stringValue == kind {
                read.insert(name)
                return o
            }
        }
        return nil
    }

    func value(_ name: String, axis kind: String? = nil) -> JSONValue? {
        if let kind, let v = axis(kind)?[name] { return v }
        if let v = top[name] { read.insert(name); return v }
        return nil
    }

    func error(_ name: String, _ what: String) -> XGraphError {
        .spec(nil, "builtin:\(builtin): parameter `\(name)` \(what)")
    }

    func int(_ name: String, axis kind: String? = nil, default fallback: Int?, min lower: Int = 0) throws -> Int {
        guard let v = value(name, axis: kind) else {
            if let fallback { return fallback }
            throw error(name, "is required (an integer ≥ \(lower))")
        }
        var parsed = v.intValue
        if parsed == nil, let s = v.stringValue { parsed = SizeLabel.parse(s) }
        guard let i = parsed, i >= lower else { throw error(name, "must be an integer ≥ \(lower), got \(v.canonical)") }
        return i
    }

    func double(_ name: String, axis kind: String? = nil, default fallback: Double, in range: ClosedRange<Double>) throws -> Double {
        guard let v = value(name, axis: kind) else { return fallback }
        guard let d = v.doubleValue, range.contains(d) else {
            throw error(name, "must be a number in [\(range.lowerBound), \(range.upperBound)], got \(v.canonical)")
        }
        return d
    }

    func bool(_ name: String, axis kind: String? = nil, default fallback: Bool) throws -> Bool {
        guard let v = value(name, axis: kind) else { return fallback }
        guard let b = v.boolValue else { throw error(name, "must be true or false, got \(v.canonical)") }
        return b
    }

    func seed(_ name: String = "seed", axis kind: String? = nil) throws -> UInt64 {
        UInt64(try int(name, axis: kind, default: 0))
    }

    /// One of `allowed`; a missing value is an error when `fallback` is nil.
    func choice(_ name: String, axis kind: String? = nil, allowed: [String], default fallback: String?) throws -> String {
        let valid = allowed.joined(separator: ", ")
        guard let v = value(name, axis: kind) else {
            if let fallback { return fallback }
            throw error(name, "is required: one of \(valid)")
        }
        guard let s = v.stringValue, allowed.contains(s) else {
            throw error(name, "must be one of \(valid), got \(v.canonical)")
        }
        return s
    }

    /// Top-level plain values no lookup asked for: most likely a misspelt parameter, though a
    /// literal-list axis the builtin does not use looks the same, so this only informs.
    func unreadNames() -> [String] {
        top.keys.filter { name in
            !read.contains(name) && top[name]?.objectValue?["kind"] == nil
        }.sorted()
    }
}
