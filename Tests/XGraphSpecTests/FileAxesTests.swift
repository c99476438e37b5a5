import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphSpec

/// One axis declared once under the file's `axes:` and named by every step that ranges over it,
/// so three steps can never silently disagree on the seeds.
final class FileAxesTests: XCTestCase {
    func testStepsNamingAFileAxisShareItsValues() throws {
        let spec = try Fixture().load("""
            axes:
              seed: [0, 1, 2]
            steps:
              train:
                foreach: { seed: axes.seed }
                command: echo {{ seed }} > {{ out }}/o
              eval:
                foreach: { seed: axes.seed }
                inputs: { m: train }
                command: cat {{ inputs.m }}/o
            """)
        for step in spec.steps {
            guard case .literal(let values) = step.foreach[0].source else { return XCTFail("\(step.name): not a literal axis") }
            XCTAssertEqual(values.map(\.label), ["0", "1", "2"], step.name)
            XCTAssertEqual(values.map(\.value), [.int(0), .int(1), .int(2)], step.name)
        }
    }

    func testAnUndefinedFileAxisIsAnErrorWithASuggestion() throws {
        let (loc, message) = Fixture().loadError("""
            axes:
              seed: [0, 1]
            steps:
              train:
                foreach: { seed: axes.seeds }
                command: echo {{ seed }} > {{ out }}/o
            """)
        XCTAssertEqual(loc?.line, 5)
        XCTAssertTrue(message.contains("did you mean 'seed'"), message)
    }
}
