import Foundation
import XGraphCore

/// A string with `{{ expr }}` holes, split once at load time so expansion only walks segments.
/// An expression is a dotted name: `inputs.ckpt`, `params.opt.lr`, `model.depth`, `out`.
public struct Template: Sendable {
    public enum Segment: Hashable, Sendable {
        case literal(String)
        /// The dotted name split at dots, e.g. ["model", "depth"].
        case expression([String])
    }

    public var text: String
    public var segments: [Segment]
    public var location: SourceLocation

    /// Splits `text`; an unclosed `{{` or a malformed name is an error at `location`.
    public init(parsing text: String, location: SourceLocation) throws {
        self.text = text
        self.location = location
        var segments: [Segment] = []
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { segments.append(.literal(String(rest[..<open.lowerBound]))) }
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else {
                throw XGraphError.spec(location, "unclosed '{{' in \(Template.quoted(text)); write '{{ name }}'")
            }
            let expr = afterOpen[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let parts = expr.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !expr.isEmpty, parts.allSatisfy(Template.isNamePart) else {
                throw XGraphError.spec(location, "'{{\(afterOpen[..<close.lowerBound])}}' is not a name; "
                    + "expected a dotted name such as '{{ params.lr }}', '{{ inputs.data }}' or '{{ out }}'")
            }
            segments.append(.expression(parts))
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { segments.append(.literal(String(rest))) }
        self.segments = segments
    }

    static func isNamePart(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }

    static func quoted(_ s: String) -> String {
        s.count > 60 ? "'\(s.prefix(57))...'" : "'\(s)'"
    }
}
