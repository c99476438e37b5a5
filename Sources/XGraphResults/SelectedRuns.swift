import GRDB

/// The runs a query selects, read from the index once. `xgraph report` shows one selection as a
/// table, and per metric as a fit and a pivot; selecting again for each (every run with its
/// axes and metrics, and the unbuilt nodes) was most of a large report's time after the sync.
/// It is a snapshot: what the index held when it was taken.
public struct SelectedRuns: Sendable {
    let query: ResultsQuery
    /// In display order (see `select`).
    let runs: [IndexedRun]
    let unbuilt: [(run: IndexedRun, status: UnbuiltStatus)]
    /// Every axis name and metric name of the index, sorted: the names a question may use.
    let knownAxes: [String]
    let knownMetrics: [String]

    /// The footer of a table over this selection (see `ResultsIndex.unbuiltFooter`).
    var footer: String? { ResultsIndex.unbuiltFooter(unbuilt) }

    func checkAxes(_ names: [String], context: String) throws {
        try ResultsIndex.checkAxes(names, known: knownAxes, context: context)
    }

    func checkMetrics(_ names: [String]) throws {
        try ResultsIndex.checkMetrics(names, known: knownMetrics)
    }
}

extension ResultsIndex {
    /// The runs `q` selects, for `table`, `pivot` and `scalingFits` to share.
    public func selectRuns(_ q: ResultsQuery) throws -> SelectedRuns {
        try wrap {
            try queue.read { db in
                SelectedRuns(query: q, runs: try select(q, db), unbuilt: try unbuilt(q, db),
                             knownAxes: try String.fetchAll(db, sql: "SELECT DISTINCT axis FROM axes ORDER BY axis"),
                             knownMetrics: try String.fetchAll(db, sql: "SELECT DISTINCT name FROM metrics ORDER BY name"))
            }
        }
    }
}
