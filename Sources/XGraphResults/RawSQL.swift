import Foundation
import GRDB
import XGraphCore

extension ResultsIndex {
    /// Runs one SQL statement of the user's against the index on a read-only connection, so a
    /// query can never change the index, whatever it says. SQLite's own message is the error.
    public func sql(_ text: String) throws -> ResultTable {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(30)
        do {
            // An index built in memory (the file cannot be written) has no file to open; GRDB's
            // `read` makes its connection query-only for the statement.
            let reader = isInMemory ? queue : try DatabaseQueue(path: path, configuration: config)
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
            throw XGraphError.usage("sql: \(error.message ?? "\(error)")")
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
