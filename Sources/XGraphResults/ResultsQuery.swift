import XGraphCore

/// Which runs a results command looks at. Every part narrows the selection.
public struct ResultsQuery: Sendable, Equatable {
    /// Only runs of these node names (e.g. the nodes of the current graph); nil: all.
    public var nodes: Set<String>?
    public var step: String?
    /// Axis conditions, all of which must hold (`--where model=r101,data!=300M`).
    public var filters: [AxisFilter]
    /// A full commit id (the caller resolves `HEAD~1` and the like) or a unique prefix of one.
    public var commit: String?
    /// Keep only the newest run (by end time) of each node name.
    public var latestOnly: Bool
    /// The nodes of an experiment file with their current keys. When set, each of these nodes
    /// shows the run of its current key and nothing else (`nodes` and `latestOnly` then play
    /// no part); the nodes without one are listed by `unbuilt`.
    public var current: [CurrentNode]?

    public init(nodes: Set<String>? = nil, step: String? = nil, filters: [AxisFilter] = [],
                commit: String? = nil, latestOnly: Bool = true, current: [CurrentNode]? = nil) {
        self.nodes = nodes; self.step = step; self.filters = filters
        self.commit = commit; self.latestOnly = latestOnly; self.current = current
    }
}

/// One `--where` condition on an axis value. `==` keeps runs that have the axis with that value;
/// `!=` keeps every other run, including runs that do not have the axis at all.
public struct AxisFilter: Sendable, Hashable, CustomStringConvertible {
    public enum Op: String, Sendable, Hashable { case equal = "=", notEqual = "!=" }
    public var axis: String
    public var op: Op
    public var value: String

    public init(axis: String, op: Op, value: String) { self.axis = axis; self.op = op; self.value = value }

    public var description: String { axis + op.rawValue + value }

    func matches(_ run: IndexedRun) -> Bool {
        let actual = run.axis(axis)
        switch op {
        case .equal: return actual == value
        case .notEqual: return actual != value
        }
    }

    /// Parses a comma-separated list such as `model=r101,data!=300M` (`==` is accepted for `=`).
    public static func parse(_ text: String) throws -> [AxisFilter] {
        try text.split(separator: ",", omittingEmptySubsequences: true).map { part in
            let item = part.trimmingCharacters(in: .whitespaces)
            let op: Op
            let range: Range<String.Index>
            if let r = item.range(of: "!=") { op = .notEqual; range = r }
            else if let r = item.range(of: "==") { op = .equal; range = r }
            else if let r = item.range(of: "=") { op = .equal; range = r }
            else { throw XGraphError.usage("--where '\(item)': expected axis=value or axis!=value") }
            let axis = item[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let value = item[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !axis.isEmpty, !value.isEmpty else {
                throw XGraphError.usage("--where '\(item)': expected axis=value or axis!=value")
            }
            return AxisFilter(axis: axis, op: op, value: value)
        }
    }
}
