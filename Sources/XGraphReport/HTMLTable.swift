import XGraphCore
import XGraphResults

/// A results table (`results --pivot`, the fit table) as an HTML table, numbers formatted and
/// right-aligned as the terminal shows them. Cells are right-aligned by default and text cells
/// carry a class, since numbers are most cells of a large table.
public enum HTMLTable {
    public static func render(_ table: ResultTable, caption: String? = nil) -> String {
        let e = XMLText.escape
        var out = "<table>"
        if let title = caption ?? table.title { out += "<caption>\(e(title))</caption>" }
        out += "<thead><tr>" + table.columns.map { "<th>\(e($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in table.rows {
            out += "<tr>"
            for cell in row {
                switch cell {
                case .null: out += "<td class=\"empty\">-</td>"
                case .double(let d): out += "<td>\(e(ResultTable.format(d)))</td>"
                case .int(let i): out += "<td>\(i)</td>"
                default:
                    // `0.1500 ± 0.0020` and `[0.1, 0.2]` line up like numbers; names do not.
                    let text = cell.display
                    let numeric = text.first.map { $0.isNumber || $0 == "-" || $0 == "[" } ?? false
                    out += numeric ? "<td>\(e(text))</td>" : "<td class=\"t\">\(e(text))</td>"
                }
            }
            out += "</tr>"
        }
        out += "</tbody></table>"
        if let footer = table.footer { out += "<p class=\"note\">\(e(footer))</p>" }
        return out
    }
}
