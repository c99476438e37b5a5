import Foundation
import XGraphCore
import XGraphStore

/// How an action record's nested JSON becomes rows of the index.
enum RecordRows {
    /// Numeric leaves of a metrics object, nested objects joined with dots
    /// (`{"coco": {"ap": 0.4}}` → `coco.ap`). Strings, booleans, arrays and nulls are not
    /// numbers one can tabulate or fit, so they are left out.
    static func metrics(_ value: JSONValue) throws -> [(name: String, value: Double)] {
        try value.flattenedLeaves(what: "metric").compactMap { leaf in
            switch leaf.value {
            case .int(let i): return (leaf.name, Double(i))
            case .double(let d) where d.isFinite: return (leaf.name, d)
            default: return nil
            }
        }
    }

    /// Every leaf of a parameters object (arrays are leaves), nested objects joined with dots
    /// (`JSONValue.flattenedLeaves`, which throws where two spellings name one leaf).
    static func params(_ value: JSONValue) throws -> [(name: String, json: String, number: Double?)] {
        try value.flattenedLeaves(what: "param").map { leaf in (leaf.name, leaf.value.canonical, leaf.value.doubleValue) }
    }

}
