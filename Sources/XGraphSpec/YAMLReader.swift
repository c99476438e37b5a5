import Foundation
import XGraphCore
import Yams

/// Typed reading of a composed YAML tree with the location of every value, so each error can
/// point at the line and column it is about (Codable decoding loses them; see platform notes).
struct YAMLReader {
    /// Absolute path of the file being read.
    let file: String

    func location(_ node: Yams.Node) -> SourceLocation {
        // Yams marks are already 1-based (it adds 1 to libyaml's 0-based marks).
        let m = node.mark
        return SourceLocation(file: file, line: m?.line ?? 1, column: m?.column ?? 1)
    }

    func fail(_ node: Yams.Node, _ message: String) -> XGraphError {
        .spec(location(node), message)
    }

    /// A mapping entry with its key node kept for locations.
    struct Entry {
        var key: String
        var keyNode: Yams.Node
        var value: Yams.Node
    }

    /// The entries of a mapping (`what` names it in the message when it is not one).
    func mapping(_ node: Yams.Node, _ what: String) throws -> [Entry] {
        guard case .mapping(let m) = node else {
            throw fail(node, "\(what) must be a mapping (key: value), found \(describe(node))")
        }
        // YAML 1.1 merge keys (`big: {<<: *common, width: 256}`), as PyYAML and the Kubernetes
        // world read them: the merged mappings' entries come in where `<<` stands, an entry
        // written in the mapping itself wins over a merged one, and of two merged mappings the
        // first wins. Never a parameter literally named `<<`.
        var entries: [(entry: Entry, merged: Bool)] = []
        for pair in m {
            if case .scalar = pair.key, tagName(pair.key) == Tag.Name.merge.rawValue {
                var sources: [Yams.Node] = []
                if case .sequence(let seq) = pair.value { sources = Array(seq) } else { sources = [pair.value] }
                for source in sources {
                    guard case .mapping = source else {
                        throw fail(source, "a merge key '<<' in \(what) takes a mapping or a list of mappings "
                            + "(`<<: *common` or `<<: [*a, *b]`), found \(describe(source))")
                    }
                    entries += try mapping(source, what).map { ($0, true) }
                }
                continue
            }
            entries.append((try entry(pair, what), false))
        }
        let own = Set(entries.filter { !$0.merged }.map(\.entry.key))
        var taken = Set<String>()
        return entries.compactMap { e in
            if e.merged && own.contains(e.entry.key) { return nil }
            if e.merged && !taken.insert(e.entry.key).inserted { return nil }
            return e.entry
        }
    }

    private func entry(_ pair: Yams.Node.Mapping.Element, _ what: String) throws -> Entry {
        guard case .scalar(let s) = pair.key else {
            throw fail(pair.key, "keys in \(what) must be names, found \(describe(pair.key))")
        }
        // Names become key parts, node ids and log fields: a NUL or LF in one would let two
        // param maps encode alike.
        if let c = s.string.unicodeScalars.first(where: { $0.properties.generalCategory == .control }) {
            let hex = String(c.value, radix: 16, uppercase: true)
            throw fail(pair.key, "name \(JSONValue.string(s.string).canonical) in \(what) contains a control character "
                + "(U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex)); names may not")
        }
        return Entry(key: s.string, keyNode: pair.key, value: pair.value)
    }

    /// A mapping whose keys must come from `valid`: an unknown one is an error with a suggestion.
    func mapping(_ node: Yams.Node, _ what: String, validKeys: [String]) throws -> [String: Entry] {
        var out: [String: Entry] = [:]
        for e in try mapping(node, what) {
            guard validKeys.contains(e.key) else {
                throw fail(e.keyNode, "unknown key '\(e.key)' in \(what)"
                    + NameSuggestions.didYouMean(e.key, in: validKeys)
                    + " valid keys: " + validKeys.joined(separator: ", "))
            }
            out[e.key] = e
        }
        return out
    }

    func sequence(_ node: Yams.Node, _ what: String) throws -> [Yams.Node] {
        guard case .sequence(let s) = node else {
            throw fail(node, "'\(what)' must be a list, found \(describe(node))")
        }
        return Array(s)
    }

    /// A list, or a single scalar taken as a one-element list (`code: train.py`).
    func sequenceOrScalar(_ node: Yams.Node, _ what: String) throws -> [Yams.Node] {
        if case .scalar = node { return [node] }
        return try sequence(node, what)
    }

    func string(_ node: Yams.Node, _ what: String) throws -> String {
        guard case .scalar(let s) = node, !isNull(node) else {
            throw fail(node, "'\(what)' must be a string, found \(describe(node))")
        }
        return s.string
    }

    /// The kernel's PATH_MAX: no longer path can be opened, and normalising one of tens of
    /// thousands of components took quadratic time (17 s for 64k).
    static let maxPathBytes = 4096

    /// A file path as written: a string no longer than `maxPathBytes`, without NUL (which
    /// would cut it short in every system call).
    func path(_ node: Yams.Node, _ what: String) throws -> String {
        let p = try string(node, what)
        guard p.utf8.count <= YAMLReader.maxPathBytes else {
            throw fail(node, "'\(what)' is \(p.utf8.count) bytes long; a path may be at most \(YAMLReader.maxPathBytes) bytes")
        }
        guard !p.utf8.contains(0) else { throw fail(node, "'\(what)' contains a NUL character; a path cannot") }
        return p
    }

    func int(_ node: Yams.Node, _ what: String) throws -> Int {
        guard tagName(node) == Tag.Name.int.rawValue else {
            throw fail(node, "'\(what)' must be an integer, found \(describe(node))")
        }
        guard let i = integer(node) else {
            throw fail(node, "'\(what)' is out of range, found \(node.scalar?.string ?? "")")
        }
        return i
    }

    /// An int-tagged scalar's value, nil past Int. YAML 1.1 reads `1:30:00` as a base-60
    /// integer, and Yams traps when one overflows; those are read here with overflow checks.
    func integer(_ node: Yams.Node) -> Int? {
        guard let text = node.scalar?.string.replacingOccurrences(of: "_", with: ""), text.contains(":") else {
            return node.int
        }
        var digits = Substring(text)
        let negative = digits.first == "-"
        if negative || digits.first == "+" { digits = digits.dropFirst() }
        var value = 0
        for part in digits.split(separator: ":", omittingEmptySubsequences: false) {
            guard let d = Int(part), d >= 0 else { return nil }
            let (shifted, o1) = value.multipliedReportingOverflow(by: 60)
            let (sum, o2) = shifted.addingReportingOverflow(d)
            guard !o1, !o2 else { return nil }
            value = sum
        }
        return negative ? -value : value
    }

    func double(_ node: Yams.Node, _ what: String) throws -> Double {
        let t = tagName(node)
        guard t == Tag.Name.int.rawValue || t == Tag.Name.float.rawValue, let d = node.float else {
            throw fail(node, "'\(what)' must be a number, found \(describe(node))")
        }
        return d
    }

    func bool(_ node: Yams.Node, _ what: String) throws -> Bool {
        guard tagName(node) == Tag.Name.bool.rawValue, let b = node.bool else {
            throw fail(node, "'\(what)' must be true or false, found \(describe(node))")
        }
        return b
    }

    /// A size: an integer or a label with a k/M/B suffix (`300M`).
    func size(_ node: Yams.Node, _ what: String) throws -> (label: String, count: Int) {
        guard case .scalar(let s) = node, !isNull(node) else { throw notASize(node, what) }
        switch SizeLabel.read(s.string) {
        case .value(let n): return (s.string, n)
        case .malformed: throw notASize(node, what)
        case .tooLarge: throw fail(node, "'\(what)' must be at most \(SizeLabel.maxText), found \(s.string)")
        }
    }

    private func notASize(_ node: Yams.Node, _ what: String) -> XGraphError {
        fail(node, "'\(what)' must be a size such as 1000, 30k, 10M or 1.5B, found \(describe(node))")
    }

    /// An integer in `range`; past it, an error naming the limit.
    func int(_ node: Yams.Node, _ what: String, in range: ClosedRange<Int>) throws -> Int {
        let v = try int(node, what)
        guard v >= range.lowerBound else {
            let bound = range.lowerBound == 0 ? "must not be negative" : "must be at least \(range.lowerBound)"
            throw fail(node, "'\(what)' \(bound), found \(v)")
        }
        guard v <= range.upperBound else {
            throw fail(node, "'\(what)' must be at most \(range.upperBound), found \(v)")
        }
        return v
    }

    /// Any YAML value as JSON: scalars by their resolved tag, sequences and mappings recursively.
    func json(_ node: Yams.Node) throws -> JSONValue {
        switch node {
        case .scalar(let s):
            switch tagName(node) {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return node.bool.map(JSONValue.bool) ?? .string(s.string)
            case Tag.Name.int.rawValue: return integer(node).map(JSONValue.int) ?? .string(s.string)
            case Tag.Name.float.rawValue:
                guard let d = node.float, d.isFinite else {
                    throw fail(node, "'\(s.string)' is not a finite number; JSON parameters cannot hold it")
                }
                return .double(d)
            default: return .string(s.string)
            }
        case .sequence(let seq): return .array(try seq.map(json))
        case .mapping:
            var o: [String: JSONValue] = [:]
            for e in try mapping(node, "a parameter mapping") { o[e.key] = try json(e.value) }
            return .object(o)
        case .alias(let a):
            throw fail(node, "unresolved alias '*\(a.anchor.rawValue)'")
        }
    }

    /// A mapping of free-form values (params, attributes); null or absent is empty.
    func jsonObject(_ node: Yams.Node?, _ what: String) throws -> [String: JSONValue] {
        guard let node, !isNull(node) else { return [:] }
        var o: [String: JSONValue] = [:]
        for e in try mapping(node, what) { o[e.key] = try json(e.value) }
        return o
    }

    func isNull(_ node: Yams.Node) -> Bool {
        if case .scalar(let s) = node { return s.style == .plain && tagName(node) == Tag.Name.null.rawValue }
        return false
    }

    func tagName(_ node: Yams.Node) -> String { node.tag.description }

    /// How a wrong value is named in messages: `string "two"`, `a list`, `a mapping`.
    func describe(_ node: Yams.Node) -> String {
        switch node {
        case .scalar(let s):
            switch tagName(node) {
            case Tag.Name.null.rawValue: return "nothing (null)"
            case Tag.Name.bool.rawValue: return "boolean \(s.string)"
            case Tag.Name.int.rawValue: return "integer \(s.string)"
            case Tag.Name.float.rawValue: return "number \(s.string)"
            default: return "string \"\(s.string)\""
            }
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}
