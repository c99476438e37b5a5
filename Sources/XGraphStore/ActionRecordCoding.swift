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
            try c.encode(withMillis.format(date))
        }
        return try e.encode(record)
    }

    public static func decode(_ data: Data) throws -> ActionRecord {
        let d = JSONDecoder()
        d.dateDecodingStrategy = dateDecoding
        return try d.decode(ActionRecord.self, from: data)
    }

    /// ISO-8601 dates with or without fractional seconds; the store's other JSON files use it too.
    static let dateDecoding = JSONDecoder.DateDecodingStrategy.custom { decoder in
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        if let date = (try? withMillis.parse(text)) ?? (try? plain.parse(text)) { return date }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO-8601 date: \(text)")
    }

    // Value-type format styles: Sendable, and cheap enough to use per record (a fresh
    // ISO8601DateFormatter per record dominated the cost of writing one).
    private static let withMillis = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let plain = Date.ISO8601FormatStyle()
}
