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

    /// The direction the experiment file declares for `metric` on the runs `keys`: an attribute
    /// `direction: { METRIC: higher }` (or `lower`) of a task, model or dataset, which reaches
    /// the runs' parameters as `<axis>.direction.<metric>`. nil when none declares it.
    func declaredDirection(metric: String, keys: Set<String>) throws -> Bool? {
        let suffix = ".direction." + metric
        let found: [(key: String, json: String, name: String)] = try wrap {
            try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT key, value_json, name FROM params WHERE substr(name, -length(?)) = ?",
                                 arguments: [suffix, suffix]).map { ($0[0], $0[1], $0[2]) }
            }
        }
        var values = Set<String>()
        for f in found where keys.contains(f.key) {
            guard let v = ["\"higher\"": "higher", "\"lower\"": "lower"][f.json] else {
                throw XGraphError.usage("\(f.name) is \(f.json); a metric's direction is higher or lower")
            }
            values.insert(v)
        }
        if values.count > 1 {
            throw XGraphError.usage("the runs declare both directions for \(metric) (…direction.\(metric): higher and lower); "
                + "fit the runs of one with --where, or say --direction")
        }
        return values.first.map { $0 == "higher" }
    }
}
