import Foundation
import GRDB
import XGraphCore

extension ResultsIndex {
    /// The numeric value of parameter `name` per run key: a JSON number, or a string that reads
    /// as a size (`25.6M`, `3B`), as capacity fields such as `params: 25.6M` are written. Runs
    /// whose parameter is missing or not numeric are absent. An unknown name is an error that
    /// lists the numeric parameters that exist.
    func paramNumbers(_ name: String) throws -> [String: Double] {
        try wrap {
            try queue.read { db in
                var out: [String: Double] = [:]
                let rows = try Row.fetchCursor(db, sql: "SELECT key, value_json, value_num FROM params WHERE name = ?",
                                               arguments: [name])
                while let row = try rows.next() {
                    let key: String = row[0]
                    if let n: Double = row[2] {
                        out[key] = n
                    } else if let json: String = row[1], json.hasPrefix("\""), json.hasSuffix("\""), json.count >= 2,
                              let n = SizeLabel.parse(String(json.dropFirst().dropLast())) {
                        out[key] = Double(n)
                    }
                }
                if out.isEmpty {
                    let known = try String.fetchAll(db, sql: "SELECT DISTINCT name FROM params ORDER BY name")
                    let list = known.isEmpty ? "no run has parameters" : "parameters that exist: " + known.joined(separator: ", ")
                    throw XGraphError.usage("no run has a numeric parameter '\(name)'; \(list)")
                }
                return out
            }
        }
    }
}
