/// Where something was written: file, 1-based line and column.
public struct SourceLocation: Hashable, Codable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file; self.line = line; self.column = column
    }
    public var description: String { "\(file):\(line):\(column)" }
}

/// The one error type users see. Every case prints as one self-contained message.
public enum XGraphError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Bad input in an experiment file: where, what, and what would be valid.
    case spec(SourceLocation?, String)
    /// A usage error on the command line.
    case usage(String)
    /// A file-system or process problem.
    case io(String)
    /// The store is not in the state it should be in.
    case store(String)
    /// A node failed to build.
    case build(String)

    public var description: String {
        switch self {
        case .spec(let loc?, let m): return "\(loc): error: \(m)"
        case .spec(nil, let m): return "error: \(m)"
        case .usage(let m): return "error: \(m)"
        case .io(let m): return "error: \(m)"
        case .store(let m): return "error: store: \(m)"
        case .build(let m): return "error: \(m)"
        }
    }
}
