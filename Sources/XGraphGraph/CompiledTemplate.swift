import XGraphCore
import XGraphSpec

/// A step's `command` or `env` template resolved once per step: names that are the same for
/// every node (params, role placeholders) are substituted now, and each axis reference becomes
/// a table indexed by the axis value, so rendering a node is only concatenation.
struct CompiledTemplate {
    enum Piece {
        /// Text as it will be run, not yet escaped (see `CommandText`).
        case text(String)
        /// A path role filled at run time: `out`, `params_file`, `resume`, `inputs.NAME`.
        case role(String)
        /// Axis `axis` at value index `i` renders as `table[i]`; nil means the value lacks the
        /// attribute named by `expression`.
        case axis(Int, table: [String?], expression: String)
    }

    let pieces: [Piece]
    let location: SourceLocation

    /// What a template can see in one step.
    struct Scope {
        let step: StepSpec
        let axes: [AxisSpec]
        let points: [[AxisPoint]]
    }

    /// - Parameter quote: shell-quote substituted values (commands) or not (env values).
    init(_ template: Template, scope: Scope, quote: Bool) throws {
        location = template.location
        let render: (JSONValue) -> String = quote ? { shellQuote($0.display) } : { $0.display }
        var pieces: [Piece] = []
        func append(_ s: String) {
            if case .text(let t)? = pieces.last { pieces[pieces.count - 1] = .text(t + s) } else { pieces.append(.text(s)) }
        }
        for segment in template.segments {
            switch segment {
            case .literal(let s): append(s)
            case .expression(let path):
                let expr = path.joined(separator: ".")
                switch path[0] {
                case "out" where path.count == 1: pieces.append(.role("out"))
                case "params_file" where path.count == 1: pieces.append(.role("params_file"))
                case "resume" where path.count == 1:
                    guard scope.step.resume else {
                        throw XGraphError.spec(location, "'{{ resume }}' needs 'resume: true' in step '\(scope.step.name)'")
                    }
                    pieces.append(.role("resume"))
                case "inputs" where path.count == 2:
                    guard scope.step.inputs.contains(where: { $0.name == path[1] }) else {
                        let names = scope.step.inputs.map(\.name)
                        throw XGraphError.spec(location, "'{{ \(expr) }}' names no declared input of step '\(scope.step.name)'"
                            + NameSuggestions.didYouMean(path[1], in: names) + " inputs: " + NameSuggestions.list(names))
                    }
                    pieces.append(.role("inputs.\(path[1])"))
                case "params" where path.count >= 2:
                    guard let v = CompiledTemplate.lookup(.object(scope.step.params), path.dropFirst()) else {
                        let names = scope.step.params.keys.sorted()
                        throw XGraphError.spec(location, "'{{ \(expr) }}' names no parameter of step '\(scope.step.name)'"
                            + NameSuggestions.didYouMean(path[1], in: names) + " params: " + NameSuggestions.list(names))
                    }
                    append(render(v))
                default:
                    guard let a = scope.axes.firstIndex(where: { $0.name == path[0] }) else {
                        throw XGraphError.spec(location, "unknown name '\(expr)' in '{{ \(expr) }}'; '\(path[0])' is not an axis "
                            + "of step '\(scope.step.name)'" + NameSuggestions.didYouMean(path[0], in: CompiledTemplate.roots(scope))
                            + " available: " + CompiledTemplate.available(scope).joined(separator: ", "))
                    }
                    let points = scope.points[a]
                    if path.count == 1 {
                        pieces.append(.axis(a, table: points.map { quote ? shellQuote($0.label) : $0.label }, expression: expr))
                    } else {
                        let table = points.map { p in CompiledTemplate.lookup(p.object, path.dropFirst()).map(render) }
                        guard table.contains(where: { $0 != nil }) else {
                            let attrs = CompiledTemplate.attributes(points)
                            throw XGraphError.spec(location, "no value of axis '\(path[0])' has attribute '\(path.dropFirst().joined(separator: "."))'"
                                + NameSuggestions.didYouMean(path[1], in: attrs) + " attributes: " + NameSuggestions.list(attrs))
                        }
                        pieces.append(.axis(a, table: table, expression: expr))
                    }
                }
            }
        }
        self.pieces = pieces
        if pieces.count == 1, case .text(let t) = pieces[0] {
            constant = CommandText.escaped(t, beforeRole: false)
        } else {
            constant = nil
        }
    }

    /// The rendered text when the template has no axis or role in it.
    private let constant: String?

    /// The text for one node; `point[a]` is the value index of axis `a`.
    func render(_ point: [Int], axes: [AxisSpec], points: [[AxisPoint]], node: @autoclosure () -> String) throws -> String {
        if let constant { return constant }
        // Nearly every command has no `{` in its text or values: then there is nothing to
        // escape and rendering is concatenation (this runs for every node of a null build).
        var out = ""
        out.reserveCapacity(64)
        var braces = false
        for piece in pieces {
            switch piece {
            case .text(let t):
                if t.utf8.contains(UInt8(ascii: "{")) { braces = true }
                out += t
            case .role(let name): out += CommandText.role(name)
            case .axis(let a, let table, let expr):
                let s = try value(a, table, expr, point, axes: axes, points: points, node: node())
                if s.utf8.contains(UInt8(ascii: "{")) { braces = true }
                out += s
            }
            if braces { break }
        }
        guard braces else { return out }
        out = ""
        // Text and axis values between two roles, escaped together: a `{` ending one value and
        // a `{` starting the next make a `{{` only once joined.
        var run = ""
        for piece in pieces {
            switch piece {
            case .text(let t): run += t
            case .role(let name):
                out += CommandText.escaped(run, beforeRole: true) + CommandText.role(name)
                run = ""
            case .axis(let a, let table, let expr): run += try value(a, table, expr, point, axes: axes, points: points, node: node())
            }
        }
        return out + CommandText.escaped(run, beforeRole: false)
    }

    private func value(_ a: Int, _ table: [String?], _ expr: String, _ point: [Int], axes: [AxisSpec], points: [[AxisPoint]],
                       node: @autoclosure () -> String) throws -> String {
        guard let s = table[point[a]] else {
            throw XGraphError.spec(location, "node '\(node())': axis value '\(points[a][point[a]].label)' of '\(axes[a].name)' "
                + "has no attribute for '{{ \(expr) }}'; attributes: "
                + NameSuggestions.list(CompiledTemplate.attributes([points[a][point[a]]])))
        }
        return s
    }

    static func lookup(_ value: JSONValue, _ path: ArraySlice<String>) -> JSONValue? {
        var v = value
        for k in path {
            guard let next = v[k] else { return nil }
            v = next
        }
        return v
    }

    static func attributes(_ points: [AxisPoint]) -> [String] {
        Set(points.flatMap { $0.object.objectValue.map { Array($0.keys) } ?? [] }).sorted()
    }

    static func roots(_ scope: Scope) -> [String] {
        ["out", "params_file", "inputs", "params"] + (scope.step.resume ? ["resume"] : []) + scope.axes.map(\.name)
    }

    /// Every name a template may use in this step, for "unknown name" messages.
    static func available(_ scope: Scope) -> [String] {
        var names = ["out", "params_file"] + (scope.step.resume ? ["resume"] : [])
        names += scope.step.inputs.map { "inputs.\($0.name)" }
        names += scope.step.params.keys.sorted().map { "params.\($0)" }
        for (a, axis) in scope.axes.enumerated() {
            names.append(axis.name)
            names += attributes(scope.points[a]).map { "\(axis.name).\($0)" }
        }
        return names
    }
}
