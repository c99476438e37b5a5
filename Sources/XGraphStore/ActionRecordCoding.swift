import Foundation
import XGraphCore

/// The one JSON form of action records on disk: sorted keys, dates as ISO-8601 UTC with
/// milliseconds (e.g. `2026-11-23T10:15:02.250Z`). Readers of the store decode with `decoder`.
public enum ActionRecordCoding {
    public static func encode(_ record: ActionRecord) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(formatter().string(from: date))
        }
        return try e.encode(record)
    }

    public static func decode(_ data: Data) throws -> ActionRecord {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            if let date = formatter().date(from: text) ?? plainFormatter().date(from: text) { return date }
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO-8601 date: \(text)")
        }
        return try d.decode(ActionRecord.self, from: data)
    }

    // ISO8601DateFormatter is not Sendable; a fresh one per call keeps this free of shared state.
    private static func formatter() -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }

    private static func plainFormatter() -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f
    }
}
