import Foundation
import XCTest
import XGraphCore
import XGraphSpec

/// A temporary folder holding experiment files written by one test; shared by the spec and
/// graph tests.
public final class Fixture {
    public let dir: String

    public init() {
        dir = NSTemporaryDirectory() + "xgraph-spec-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    @discardableResult
    public func write(_ name: String, _ text: String) -> String {
        let path = dir + "/" + name
        try! FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    public func load(_ text: String, name: String = "exp.yaml") throws -> Spec {
        try SpecLoader.load(path: write(name, text))
    }

    /// The spec error a load throws: its location and message.
    public func loadError(_ text: String, name: String = "exp.yaml",
                   file: StaticString = #filePath, line: UInt = #line) -> (SourceLocation?, String) {
        do {
            _ = try load(text, name: name)
            XCTFail("expected a spec error", file: file, line: line)
        } catch XGraphError.spec(let loc, let message) {
            return (loc, message)
        } catch {
            XCTFail("expected a spec error, got \(error)", file: file, line: line)
        }
        return (nil, "")
    }
}
