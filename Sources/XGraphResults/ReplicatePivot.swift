import Foundation
import XGraphCore

extension ResultsIndex {
    /// A pivot whose cells pool the runs of a replicate axis (`--replicates seed`), as a W&B
    /// "group by" does: each cell is the mean, the sample SD (n − 1) and the number of runs of
    /// the metric over the replicate axis's values, instead of a split by that axis. Everything
    /// else is as `pivot`; two runs of one replicate value in a cell are an error naming it.
    public func replicatePivot(_ q: ResultsQuery, rows rowAxes: [String], columns columnAxes: [String],
                               metric: String, replicates: String) throws -> ReplicatePivot {
        let selection = try selectRuns(q)
        let layout = try PivotLayout(selection, rows: rowAxes, columns: columnAxes, metric: metric, replicates: replicates)
        let rows = layout.rowKeys.map { rowKey in
            (key: rowKey, cells: layout.columnKeys.map { column in
                ReplicateStats(layout.cells[rowKey]?[column]?.compactMap { $0.metrics[metric] } ?? [])
            })
        }
        return ReplicatePivot(keyFields: layout.keyFields, cellNames: layout.cellNames, rows: rows,
                              title: layout.title, footer: selection.footer)
    }
}

/// The mean, sample SD and count of one cell's replicate values; nil without values.
public struct ReplicateStats: Sendable, Equatable {
    public var n: Int
    public var mean: Double
    /// n − 1 in the denominator; nil for one run, which has no spread to show.
    public var sd: Double?

    /// Identical replicates have an SD of exactly 0, not rounding noise (`SampleSpread`).
    init?(_ values: [Double]) {
        guard let spread = SampleSpread.meanAndSD(values) else { return nil }
        n = values.count
        mean = spread.mean
        sd = spread.sd
    }
}

/// A replicate pivot, laid out per output format: a cell reads `mean ± sd (n=3)` in text, is
/// three numeric columns in CSV (`NAME mean`, `NAME sd`, `NAME n`), and an object
/// `{"mean", "sd", "n"}` under `cells` in JSON.
public struct ReplicatePivot: Sendable {
    let keyFields: [ResultField]
    let cellNames: [String]
    let rows: [(key: [String?], cells: [ReplicateStats?])]
    let title: String
    let footer: String?

    public func table(_ format: OutputFormat) -> ResultTable {
        let keys = rows.map { $0.key.map { $0.map(JSONValue.string) ?? .null } }
        switch format {
        case .table:
            let cells = rows.map { $0.cells.map { $0.map { JSONValue.string(Self.text($0)) } ?? .null } }
            return ResultTable(fields: keyFields + cellNames.map(ResultField.cell), groups: ["axes", "cells"],
                               rows: zip(keys, cells).map { $0 + $1 }, title: title, footer: footer)
        case .csv:
            let parts = ["mean", "sd", "n"]
            let fields = keyFields + cellNames.flatMap { name in parts.map { ResultField.cell(name + " " + $0) } }
            let cells = rows.map { row in
                row.cells.flatMap { s -> [JSONValue] in
                    guard let s else { return [.null, .null, .null] }
                    return [.double(s.mean), s.sd.map(JSONValue.double) ?? .null, .int(s.n)]
                }
            }
            return ResultTable(fields: fields, groups: ["axes", "cells"], rows: zip(keys, cells).map { $0 + $1 },
                               title: title, footer: footer)
        case .json:
            let cells = rows.map { row in
                row.cells.map { s -> JSONValue in
                    guard let s else { return .null }
                    return .object(["mean": .double(s.mean), "sd": s.sd.map(JSONValue.double) ?? .null, "n": .int(s.n)])
                }
            }
            return ResultTable(fields: keyFields + cellNames.map(ResultField.cell), groups: ["axes", "cells"],
                               rows: zip(keys, cells).map { $0 + $1 }, title: title, footer: footer)
        }
    }

    static func text(_ s: ReplicateStats) -> String {
        ResultTable.format(s.mean) + (s.sd.map { " ± " + ResultTable.format($0) } ?? "") + " (n=\(s.n))"
    }
}
