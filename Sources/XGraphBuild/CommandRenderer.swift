import XGraphCore
import XGraphGraph

/// Fills a node's path roles (`{{inputs.NAME}}`, `{{out}}`, `{{resume}}`, `{{params_file}}`) with
/// quoted paths, and builds the step contract's environment (docs/design.md §5).
public struct CommandRenderer: Sendable {
    /// How a builtin step is invoked, e.g. `["/usr/local/bin/xgraph", "builtin"]`.
    public var builtinCommand: [String]

    public init(builtinCommand: [String]) { self.builtinCommand = builtinCommand }

    public struct Paths: Sendable {
        public var inputs: [String: String]
        public var out: String
        public var paramsFile: String
        public var resume: String?
        public init(inputs: [String: String], out: String, paramsFile: String, resume: String?) {
            self.inputs = inputs; self.out = out; self.paramsFile = paramsFile; self.resume = resume
        }
    }

    public func command(for node: Node, paths: Paths) -> String {
        if case .builtin(let name) = node.kind {
            return (builtinCommand + [name]).map(shellQuote).joined(separator: " ")
        }
        var roles: [String: String] = ["out": paths.out, "params_file": paths.paramsFile]
        if let r = paths.resume { roles["resume"] = r }
        for (name, path) in paths.inputs { roles["inputs.\(name)"] = path }
        return Self.fill(node.command) { roles[$0].map(shellQuote) }
    }

    public func environment(for node: Node, paths: Paths) -> [String: String] {
        var env = node.env.mapValues { value in
            Self.fill(value) { role in
                if role == "out" { return paths.out }
                if role == "params_file" { return paths.paramsFile }
                if role == "resume" { return paths.resume }
                if role.hasPrefix("inputs.") { return paths.inputs[String(role.dropFirst(7))] }
                return nil
            }
        }
        env["XGRAPH_OUT"] = paths.out
        env["XGRAPH_PARAMS"] = paths.paramsFile
        env["XGRAPH_NODE"] = node.id
        if let r = paths.resume { env["XGRAPH_RESUME"] = r }
        for (name, path) in paths.inputs { env["XGRAPH_IN_\(Self.envName(name))"] = path }
        return env
    }

    /// `subset` → `SUBSET`, `ckpt-best` → `CKPT_BEST`.
    public static func envName(_ s: String) -> String {
        String(s.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// Replaces each `{{role}}` for which `value` answers, and each escaped brace (see
    /// `CommandText`) by `{`; leaves the rest as written. One pass: what a role is replaced by
    /// is never read again.
    static func fill(_ template: String, _ value: (String) -> String?) -> String {
        guard template.contains("{{") else { return template }
        var out = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let role = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if role == CommandText.braceRole { out += "{" }
            else { out += value(role) ?? String(rest[open.lowerBound..<close.upperBound]) }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }
}

import Foundation
