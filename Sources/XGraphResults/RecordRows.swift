import Foundation
import XGraphCore
import XGraphStore

/// How an action record's nested JSON becomes rows of the index.
enum RecordRows {
    /// Numeric leaves of a metrics object, nested objects joined with dots
    /// (`{"coco": {"ap": 0.4}}` → `coco.ap`). Strings, booleans, arrays and nulls are not
    /// numbers one can tabulate or fit, so they are left out.
    static func metrics(_ value: JSONValue) -> [(name: String, value: Double)] {
        leaves(value).compactMap { leaf in
            switch leaf.value {
            case .int(let i): return (leaf.name, Double(i))
            case .double(let d) where d.isFinite: return (leaf.name, d)
            default: return nil
            }
        }
    }

    /// Every leaf of a parameters object (arrays are leaves), nested objects joined with dots.
    static func params(_ value: JSONValue) -> [(name: String, json: String, number: Double?)] {
        leaves(value).map { leaf in (leaf.name, leaf.value.canonical, leaf.value.doubleValue) }
    }

    private static func leaves(_ value: JSONValue) -> [(name: String, value: JSONValue)] {
        guard case .object(let object) = value else { return [] }
        var out: [(name: String, value: JSONValue)] = []
        func walk(_ object: [String: JSONValue], prefix: String) {
            for name in object.keys.sorted() {
                let full = prefix.isEmpty ? name : prefix + "." + name
                if case .object(let inner) = object[name]! { walk(inner, prefix: full) }
                else { out.append((full, object[name]!)) }
            }
        }
        walk(object, prefix: "")
        return out
    }
}
