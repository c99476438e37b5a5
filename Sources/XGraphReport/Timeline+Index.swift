import Foundation
import XGraphResults

extension Timeline {
    /// The runs of the last build in the results index, among `nodes` (every run when nil).
    public static func lastBuild(in index: ResultsIndex, nodes: Set<String>?) throws -> Timeline {
        let rows = try index.sql("SELECT node, step, host, gpu_ids, start, \"end\", build_id FROM runs").rows
        var runs: [Run] = []
        runs.reserveCapacity(rows.count)
        for row in rows where row.count == 7 {
            let node = row[0].display
            if let nodes, !nodes.contains(node) { continue }
            // Times are the index's own ISO 8601 text; a row that does not parse is left out.
            guard let start = parseTime(row[4].display), let end = parseTime(row[5].display) else { continue }
            let gpus = row[3].display.split(separator: ",").compactMap { Int($0) }
            runs.append(Run(node: node, step: row[1].display, host: row[2].display, gpus: gpus, start: start, end: end,
                            buildID: row[6].stringValue))
        }
        return Timeline(runs: lastBuild(runs))
    }
}

extension ResultsIndex {
    /// The axis names and the step names that have results, sorted: what `report` checks its
    /// options against.
    public func axisAndStepNames() throws -> (axes: [String], steps: [String]) {
        (try sql("SELECT DISTINCT axis FROM axes ORDER BY axis").rows.compactMap { $0.first?.display },
         try sql("SELECT DISTINCT step FROM runs ORDER BY step").rows.compactMap { $0.first?.display })
    }
}
