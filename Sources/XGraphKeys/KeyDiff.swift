import XGraphCore

/// One difference between a node's key now and at its last build, in words a user reads:
/// `param lr changed 0.1→0.05`, `code train.py changed`, `input subset changed`.
public struct KeyChange: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable { case added, removed, changed }
    public var part: String
    public var kind: Kind
    public var old: String?
    public var new: String?

    public var description: String {
        let name = KeyPartName(text: part)
        let label = name?.label ?? part
        let showsValues = name?.showsValues ?? false
        switch kind {
        case .added: return "\(label) added" + (showsValues ? " (\(KeyChange.clip(new ?? "")))" : "")
        case .removed: return "\(label) removed"
        case .changed:
            if showsValues { return "\(label) changed \(KeyChange.clip(old ?? ""))→\(KeyChange.clip(new ?? ""))" }
            return "\(label) changed"
        }
    }

    static func clip(_ s: String) -> String {
        s.count <= 40 ? s : String(s.prefix(37)) + "..."
    }
}

public enum KeyDiff {
    /// What changed from `old` to `new`. Object-valued params are compared field by field, so a
    /// subset's seed change reads `param data.seed changed 0→1`, not the whole object.
    public static func changes(from old: [KeyPart], to new: [KeyPart]) -> [KeyChange] {
        let oldByName = Dictionary(old.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newNames = Set(new.map(\.name))
        var out: [KeyChange] = []
        for p in new {
            guard let o = oldByName[p.name] else {
                out.append(KeyChange(part: p.name, kind: .added, old: nil, new: p.value))
                continue
            }
            guard o.digest != p.digest else { continue }
            if case .param? = p.kind, let a = try? JSONValue.parse(.init(o.value.utf8)),
               let b = try? JSONValue.parse(.init(p.value.utf8)), case .object = a, case .object = b {
                out += fieldChanges(prefix: p.name, a, b)
            } else {
                out.append(KeyChange(part: p.name, kind: .changed, old: o.value, new: p.value))
            }
        }
        for p in old where !newNames.contains(p.name) {
            out.append(KeyChange(part: p.name, kind: .removed, old: p.value, new: nil))
        }
        return out
    }

    private static func fieldChanges(prefix: String, _ a: JSONValue, _ b: JSONValue) -> [KeyChange] {
        guard let ao = a.objectValue, let bo = b.objectValue else {
            return a == b ? [] : [KeyChange(part: prefix, kind: .changed, old: a.display, new: b.display)]
        }
        var out: [KeyChange] = []
        for k in Set(ao.keys).union(bo.keys).sorted() {
            let name = "\(prefix).\(k)"
            switch (ao[k], bo[k]) {
            case (nil, let v?): out.append(KeyChange(part: name, kind: .added, old: nil, new: v.display))
            case (let v?, nil): out.append(KeyChange(part: name, kind: .removed, old: v.display, new: nil))
            case (let x?, let y?) where x != y: out += fieldChanges(prefix: name, x, y)
            default: break
            }
        }
        return out
    }
}
