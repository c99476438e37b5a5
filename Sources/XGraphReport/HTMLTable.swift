import XGraphCore
import XGraphResults

/// A results table (`results --pivot`, the fit table) as an HTML table, numbers formatted and
/// right-aligned as the terminal shows them.
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
                case .double(let d): out += "<td class=\"num\">\(e(ResultTable.format(d)))</td>"
                case .int(let i): out += "<td class=\"num\">\(i)</td>"
                default: out += "<td>\(e(cell.display))</td>"
                }
            }
            out += "</tr>"
        }
        out += "</tbody></table>"
        if let footer = table.footer { out += "<p class=\"note\">\(e(footer))</p>" }
        return out
    }
}
