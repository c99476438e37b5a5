import Foundation
import GRDB
import XGraphCore

extension ResultsIndex {
    /// Runs one SQL statement of the user's against the index on a read-only connection, so a
    /// query can never change the index, whatever it says. SQLite's own message is the error.
    ///
    /// `current`: an experiment file's nodes with their current keys. The statement then also
    /// sees them as temporary tables (`CurrentRunsView`), because the index holds every run of
    /// every spec and file, and an average over `runs` silently pools them.
    public func sql(_ text: String, current: [CurrentNode]? = nil) throws -> ResultTable {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(30)
        do {
            // An index built in memory (the file cannot be written) has no file to open; GRDB's
            // `read` makes its connection query-only for the statement.
            let reader = isInMemory ? queue : try DatabaseQueue(path: path, configuration: config)
            if let current {
                // Temporary objects live outside the index file, so a read-only connection may
                // create them; they go with the connection.
                try reader.writeWithoutTransaction { db in try CurrentRunsView.create(db, current) }
            }
            return try reader.read { db in
                let statement = try db.makeStatement(sql: text)
                var rows: [[JSONValue]] = []
                let cursor = try Row.fetchCursor(statement)
                while let row = try cursor.next() {
                    rows.append(row.databaseValues.map(Self.json))
                }
                return ResultTable(columns: statement.columnNames, rows: rows)
            }
        } catch let error as DatabaseError {
            var message = "sql: \(error.message ?? "\(error)")"
            if current == nil, let m = error.message, CurrentRunsView.names.contains(where: { m.hasSuffix("no such table: \($0)") }) {
                message += " (the view of current runs needs an experiment file: xgraph results FILE --sql …)"
            }
            throw XGraphError.usage(message)
        }
    }

    private static func json(_ value: DatabaseValue) -> JSONValue {
        switch value.storage {
        case .null: return .null
        case .int64(let i): return .int(Int(i))
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .blob(let data): return .string("x'" + data.map { String(format: "%02x", $0) }.joined() + "'")
        }
    }
}

/// What `results FILE --sql` adds to the index for the statement (docs/results-schema.md):
/// - `current_nodes (node, step, key)`: every node of the file that runs, with its current key
///   (NULL while an input must be built first);
/// - view `current`: the runs of those keys, one row per node, with the columns of `runs` and
///   the node and step as the file names them (nodes with identical keys share one record).
enum CurrentRunsView {
    static let names = ["current", "current_nodes"]

    static func create(_ db: Database, _ nodes: [CurrentNode]) throws {
        try db.execute(sql: """
            CREATE TEMP TABLE IF NOT EXISTS current_nodes (node TEXT PRIMARY KEY, step TEXT NOT NULL, key TEXT);
            DELETE FROM temp.current_nodes;
            CREATE TEMP VIEW IF NOT EXISTS current AS
              SELECT r.key, c.node, c.step, r.git_commit, r.branch, r.dirty, r.diff_digest, r.xgraph_version,
                     r.host, r.executor, r.gpu_model, r.gpu_ids, r.start, r."end", r.duration_s, r.exit_status,
                     r.attempt, r.output, r.untracked_code, r.build_id
              FROM temp.current_nodes c JOIN main.runs r ON r.key = c.key;
            """)
        let insert = try db.makeStatement(sql: "INSERT OR IGNORE INTO temp.current_nodes (node, step, key) VALUES (?, ?, ?)")
        for node in nodes { try insert.execute(arguments: [node.node, node.step, node.key]) }
    }
}
