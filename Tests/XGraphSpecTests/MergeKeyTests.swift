import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphSpec

/// YAML 1.1 merge keys read as PyYAML reads them: `<<: *common` brings common's entries in, an
/// entry of the mapping itself wins, and no parameter is ever literally named `<<`.
final class MergeKeyTests: XCTestCase {
    func testAMergeKeyBringsTheAnchoredEntriesInAndOwnEntriesWin() throws {
        let spec = try Fixture().load("""
            models:
              m:
                capacities:
                  base: &common { depth: 2, width: 64, lr: 0.1 }
                  big: { <<: *common, width: 256 }
                  mixed: { <<: [*common, { act: relu, depth: 9 }], lr: 0.5 }
            steps:
              s:
                foreach: { model: models.m }
                command: echo {{ model.width }} > {{ out }}/o
            """)
        let caps = try XCTUnwrap(spec.models.first?.capacities)
        let big = try XCTUnwrap(caps.first { $0.name == "big" }?.params)
        XCTAssertEqual(big["width"], .int(256))
        XCTAssertEqual(big["depth"], .int(2))
        XCTAssertEqual(big["lr"], .double(0.1))
        XCTAssertNil(big["<<"])
        let mixed = try XCTUnwrap(caps.first { $0.name == "mixed" }?.params)
        XCTAssertEqual(mixed["depth"], .int(2), "of two merged mappings the first wins")
        XCTAssertEqual(mixed["act"], .string("relu"))
        XCTAssertEqual(mixed["lr"], .double(0.5))
    }

    func testAMergeKeyOfAScalarIsAnErrorAtItsLine() throws {
        let (loc, message) = Fixture().loadError("""
            steps:
              s:
                params: { <<: 3 }
                command: echo hi > {{ out }}/o
            """)
        XCTAssertEqual(loc?.line, 3)
        XCTAssertTrue(message.contains("merge key '<<'"), message)
    }
}
