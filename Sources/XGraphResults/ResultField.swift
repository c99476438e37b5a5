/// What a column of a results table is, beyond its header: metrics, axes and xgraph's own
/// columns are separate namespaces. Users name metrics freely, and `epochs`,
/// `step`, `data`, `duration_s` or `status` are ordinary metric names; a flat row keyed by name
/// let such a metric replace the axis or the column, or be replaced by it. So JSON keeps each
/// namespace in its own object (`axes`, `metrics`, `run`), and text and CSV headers stay the
/// plain names except where two collide: then the name of the lower rank gets its namespace's
/// prefix (`metric:epochs` beside the axis `epochs`).
public struct ResultField: Sendable, Hashable {
    /// The JSON object holding the field (`axes`, `metrics`, `run`, `cells`); nil: the row's own
    /// top level, whose names are fixed by xgraph (`node`, `step`).
    public var group: String?
    public var name: String
    /// Put before `name` in a header when a field of a lower rank (or earlier, of the same
    /// rank) already has the name.
    public var prefix: String
    /// Who keeps the plain header in a collision: xgraph's own columns (0), then axes (1), then
    /// metrics and pivot cells (2). Axes identify the rows, so they keep their names.
    public var rank: Int

    public init(group: String?, name: String, prefix: String, rank: Int) {
        self.group = group; self.name = name; self.prefix = prefix; self.rank = rank
    }

    /// A top-level field of xgraph's own (`node`, the `step` a pivot splits by).
    public static func own(_ name: String) -> ResultField { .init(group: nil, name: name, prefix: "run:", rank: 0) }
    /// The step a pivot is split by, when several take part: `run:step` beside an axis called
    /// `step` (training steps are a common axis), which the user named and keeps its name.
    public static let splitStep = ResultField(group: nil, name: "step", prefix: "run:", rank: 2)
    /// A fact about the run (`commit`, `duration_s`, `status`), in the `run` object.
    public static func run(_ name: String) -> ResultField { .init(group: "run", name: name, prefix: "run:", rank: 0) }
    public static func axis(_ name: String) -> ResultField { .init(group: "axes", name: name, prefix: "axis:", rank: 1) }
    public static func metric(_ name: String) -> ResultField { .init(group: "metrics", name: name, prefix: "metric:", rank: 2) }
    /// A pivot's value column: a column axis's value (`r101`), or the metric's name.
    public static func cell(_ name: String) -> ResultField { .init(group: "cells", name: name, prefix: "metric:", rank: 2) }

    /// One header per field, all distinct: plain names where they are unique, else the
    /// namespace prefix on the lower-ranked name, and as a last resort SQLite's own suffix for
    /// duplicate result columns (`name:1`, `name:2`).
    public static func headers(_ fields: [ResultField]) -> [String] {
        var out = [String](repeating: "", count: fields.count)
        var used: Set<String> = []
        let order = fields.indices.sorted { (fields[$0].rank, $0) < (fields[$1].rank, $1) }
        for i in order {
            let f = fields[i]
            let header = ResultTable.unused(used.contains(f.name) ? f.prefix + f.name : f.name, in: used)
            used.insert(header)
            out[i] = header
        }
        return out
    }
}

extension ResultTable {
    /// `name`, or `name:1`, `name:2` … (as SQLite names the duplicate columns of a
    /// `CREATE TABLE … AS SELECT`), whichever is not in `used` first.
    static func unused(_ name: String, in used: Set<String>) -> String {
        var candidate = name
        var n = 1
        while used.contains(candidate) {
            candidate = name + ":\(n)"
            n += 1
        }
        return candidate
    }

    /// The headers made distinct, in order: a later duplicate gets `:1`, `:2` …
    static func distinctHeaders(_ names: [String]) -> [String] {
        var used: Set<String> = []
        return names.map { name in
            let header = unused(name, in: used)
            used.insert(header)
            return header
        }
    }
}
