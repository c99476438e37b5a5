import Foundation
import XCTest

/// Finding a built node's record file in the project's default store, for the tests that damage,
/// edit or delete one.
extension CLIHarness {
    /// The record file of a built node, found by the node name inside it.
    func recordPath(node: String) throws -> String {
        let records = dir.path + "/cache/records"
        for fan in try FileManager.default.contentsOfDirectory(atPath: records) {
            for name in try FileManager.default.contentsOfDirectory(atPath: records + "/" + fan) {
                let path = records + "/" + fan + "/" + name
                if Self.node(inRecord: path) == node { return path }
            }
        }
        // A regression that stops writing records must fail the tests that read one, not skip them.
        throw CLIHarness.Missing(what: "no record for \(node) in \(records)")
    }

    /// The node name in a record file, if it can be read.
    static func node(inRecord path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return object["node"] as? String
    }
}

extension CLIHarness {
    struct Missing: Error, CustomStringConvertible {
        var what: String
        var description: String { what }
    }
}
