import Foundation

/// What a step's `metrics.json` must be, checked the one way the build and the fuzzer check it:
/// one JSON object, each key once per object, no two names that differ only in their Unicode
/// form, no NaN or Infinity, no deeper nesting than `JSONTextCheck.maxDepth`, and no two
/// spellings that flatten to one metric name (`{"val.loss": 5, "val": {"loss": 1}}`).
/// Whatever passes can be indexed beside any other record.
public enum MetricsJSON {
    public static func parse(_ data: Data) throws -> JSONValue {
        do { try JSONTextCheck.check(data, file: "metrics.json") }
        catch let p as JSONTextCheck.Problem { throw XGraphError.build(p.description) }
        guard let m = try? JSONValue.parse(data), case .object = m else {
            throw XGraphError.build("metrics.json must hold one JSON object")
        }
        do { _ = try m.flattenedLeaves(what: "metric") }
        catch let e as JSONValue.FlatteningError { throw XGraphError.build(e.description) }
        return m
    }
}
