import Foundation
import XGraphCore

/// How results are printed.
public enum OutputFormat: String, Sendable, CaseIterable {
    /// Aligned text for a terminal.
    case table
    /// RFC 4180 quoting, one record per line, each ended by LF (which Unix tools expect: `wc -l`
    /// and `while read` miss an unterminated last line).
    case csv
    /// An array of objects, one per row, in canonical JSON: column name → value, or for tables
    /// with fields (`ResultTable.fields`) one object per namespace (`axes`, `metrics`, `run`).
    case json
}

/// A rectangular answer to a results question. Cells are JSON values: strings, numbers, or null
/// for "no value" (an empty pivot cell, a metric a run did not record).
public struct ResultTable: Sendable, Equatable {
    /// The headers, all distinct (see `ResultField.headers`).
    public private(set) var columns: [String]
    /// What each column is, for tables whose columns come from several namespaces (axes,
    /// metrics, xgraph's own); nil for tables whose columns are fixed or the user's (`--sql`).
    public private(set) var fields: [ResultField]?
    /// The JSON objects every row has, empty or not (a step without axes still has `axes: {}`).
    public private(set) var groups: [String] = []
    public var rows: [[JSONValue]]
    public var title: String?
    /// A line under the table (`table` format only; commands print it to stderr with the
    /// others, which must stay machine-readable): e.g. how many nodes have no current numbers.
    public var footer: String?

    /// Headers that repeat (`SELECT a.value, b.value`) are made distinct (`value`, `value:1`):
    /// JSON would keep one of them and a reader could not tell the columns apart.
    public init(columns: [String], rows: [[JSONValue]], title: String? = nil, footer: String? = nil) {
        self.columns = Self.distinctHeaders(columns); self.rows = rows; self.title = title; self.footer = footer
    }

    /// A table whose columns come from several namespaces; headers as `ResultField.headers`.
    public init(fields: [ResultField], groups: [String], rows: [[JSONValue]], title: String? = nil,
                footer: String? = nil) {
        self.columns = ResultField.headers(fields); self.fields = fields; self.groups = groups
        self.rows = rows; self.title = title; self.footer = footer
    }

    /// The cells of one column, by header.
    public func column(_ name: String) -> [JSONValue]? {
        columns.firstIndex(of: name).map { i in rows.map { $0[i] } }
    }

    /// The cells of one field (e.g. `.run("commit")`), whatever its header became.
    public func column(_ field: ResultField) -> [JSONValue]? {
        fields?.firstIndex(of: field).map { i in rows.map { $0[i] } }
    }

    public func render(_ format: OutputFormat) -> String {
        switch format {
        case .table: return renderText()
        case .csv: return renderCSV()
        case .json: return renderJSON()
        }
    }

    /// With fields, each namespace is its own object, so no name can replace another's value;
    /// without, the headers are distinct already.
    private func renderJSON() -> String {
        JSONValue.array(rows.map { row in
            guard let fields else {
                return .object(Dictionary(zip(columns, row).map { ($0, $1) }, uniquingKeysWith: { a, _ in a }))
            }
            var top: [String: JSONValue] = [:]
            var groups = Dictionary(uniqueKeysWithValues: self.groups.map { ($0, [String: JSONValue]()) })
            for (field, value) in zip(fields, row) {
                if let group = field.group { groups[group, default: [:]][field.name] = value }
                else { top[field.name] = value }
            }
            for (group, object) in groups { top[group] = .object(object) }
            return .object(top)
        }).canonical
    }

    /// Floats get 4 decimals (`0.7634`), so a column's decimal points line up; magnitudes 4
    /// decimals cannot show (below 1e-4, from 1e12) get 4 significant digits in exponent form.
    public static func format(_ d: Double) -> String {
        guard d.isFinite else { return d.isNaN ? "nan" : (d > 0 ? "inf" : "-inf") }
        // Counts (examples, steps, classes) are stored as REAL like every metric: show them whole.
        if d.rounded() == d && abs(d) < 1e12 { return String(Int(d)) }
        if d == 0 || (abs(d) >= 1e-4 && abs(d) < 1e12) { return String(format: "%.4f", d) }
        return String(format: "%.4g", d)
    }

    private func renderText() -> String {
        let cells: [[String]] = rows.map { row in
            row.map { value in
                switch value {
                case .null: return "-"
                case .double(let d): return Self.format(d)
                default: return value.display
                }
            }
        }
        // A column is right-aligned when every value in it is a number.
        let numeric: [Bool] = columns.indices.map { i in
            let values = rows.map { $0[i] }.filter { $0 != .null }
            return !values.isEmpty && values.allSatisfy { $0.doubleValue != nil }
        }
        let widths: [Int] = columns.indices.map { i in
            cells.reduce(columns[i].count) { max($0, $1[i].count) }
        }
        func line(_ items: [String]) -> String {
            items.indices.map { i in
                let pad = String(repeating: " ", count: widths[i] - items[i].count)
                return numeric[i] ? pad + items[i] : items[i] + pad
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var out: [String] = []
        if let title { out.append(title) }
        out.append(line(columns))
        out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        out += cells.map(line)
        if let footer { out.append(footer) }
        return out.joined(separator: "\n")
    }

    private func renderCSV() -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                : s
        }
        func cell(_ v: JSONValue) -> String {
            switch v {
            case .null: return ""
            default: return v.display
            }
        }
        var out = [columns.map(field).joined(separator: ",")]
        out += rows.map { $0.map { field(cell($0)) }.joined(separator: ",") }
        return out.map { $0 + "\n" }.joined()
    }
}
