import GRDB
import XGraphStore

/// One run as queries see it: a `runs` row with its axes (in record order) and metrics.
struct IndexedRun: Sendable {
    var key: String
    var node: String
    var step: String
    var commit: String?
    var dirty: Bool?
    /// The digest of the code the commit does not pin down (`UntrackedCode`), if any.
    var untrackedCode: String?
    /// A record a re-run replaced (`--force`, a lost output), kept in the store's history.
    var replaced = false
    /// `TimeText.iso8601` text: sorts by time.
    var end: String
    var duration: Double
    var axes: [AxisEntry]
    var metrics: [String: Double]

    func axis(_ name: String) -> String? { axes.first { $0.name == name }?.value }

    /// The commit as tables show it: short, with git describe's `-dirty` mark when the tree had
    /// uncommitted changes, and `+untracked:` with the first digits of the digest of code git
    /// does not track (ignored, untracked, outside the repository), so two runs at one commit
    /// with different such code never read alike.
    var commitLabel: String? {
        commit.map { String($0.prefix(10)) + (dirty == true ? "-dirty" : "") + (untrackedCode.map { "+untracked:" + $0.prefix(8) } ?? "") }
    }
}

/// Loads runs of the index, optionally of one step and one (full) commit, with axes and metrics.
enum RunLoader {
    static func load(_ db: Database, step: String?, commit: String?, includeReplaced: Bool = false) throws -> [IndexedRun] {
        let runs = try load(db, step: step, commit: commit, tables: "")
        guard includeReplaced else { return runs }
        return runs + (try load(db, step: step, commit: commit, tables: "replaced_")).map { run in
            var r = run
            r.replaced = true
            return r
        }
    }

    /// The runs of the tables under prefix `t` ("" or "replaced_").
    private static func load(_ db: Database, step: String?, commit: String?, tables t: String) throws -> [IndexedRun] {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let step { clauses.append("r.step = ?"); arguments += [step] }
        if let commit { clauses.append("r.git_commit = ?"); arguments += [commit] }
        let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")

        var runs: [IndexedRun] = []
        var position: [String: Int] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT r.key, r.node, r.step, r.git_commit, r.dirty, r."end", r.duration_s, r.untracked_code FROM \(t)runs r \(whereSQL)
            """, arguments: arguments)
        while let row = try rows.next() {
            position[row[0]] = runs.count
            runs.append(IndexedRun(key: row[0], node: row[1], step: row[2], commit: row[3], dirty: row[4],
                                   untrackedCode: row[7], end: row[5], duration: row[6], axes: [], metrics: [:]))
        }
        // Without a filter, whole tables are read rather than joined on the text keys, and
        // each run's axes are put in record order here rather than by an ORDER BY: the join
        // and SQLite's sort were most of the load's time on a large study.
        let axesSQL = whereSQL.isEmpty
            ? "SELECT a.key, a.axis, a.value, a.ord FROM \(t)axes a"
            : "SELECT a.key, a.axis, a.value, a.ord FROM \(t)axes a JOIN \(t)runs r ON r.key = a.key \(whereSQL)"
        var ords = [[Int]](repeating: [], count: runs.count)
        let axes = try Row.fetchCursor(db, sql: axesSQL, arguments: arguments)
        while let row = try axes.next() {
            if let i = position[row[0]] {
                runs[i].axes.append(AxisEntry(name: row[1], value: row[2]))
                ords[i].append(row[3])
            }
        }
        for i in runs.indices where runs[i].axes.count > 1 && ords[i] != ords[i].sorted() {
            runs[i].axes = zip(ords[i], runs[i].axes).sorted { $0.0 < $1.0 }.map(\.1)
        }
        let metricsSQL = whereSQL.isEmpty
            ? "SELECT m.key, m.name, m.value FROM \(t)metrics m"
            : "SELECT m.key, m.name, m.value FROM \(t)metrics m JOIN \(t)runs r ON r.key = m.key \(whereSQL)"
        let metrics = try Row.fetchCursor(db, sql: metricsSQL, arguments: arguments)
        while let row = try metrics.next() {
            if let i = position[row[0]] { runs[i].metrics[row[1]] = row[2] }
        }
        return runs
    }
}
