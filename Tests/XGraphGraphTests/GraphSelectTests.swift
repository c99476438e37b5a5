import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphGraph
import XGraphSpec

final class GraphSelectTests: XCTestCase {
    func testGlobSelectsMatchesAndTheirDependenciesInTopologicalOrder() throws {
        let g = try Expander.expand(try Fixture().load(paperGrid))
        let picked = try g.select(["finetune/*/model=r101/task=coco-det/*"]).map { g.nodes[$0].id }
        // 4 sizes × 2 modes fine-tunes, their 4 pretrains, 4 subsets and the dataset.
        XCTAssertEqual(picked.count, 8 + 4 + 4 + 1)
        XCTAssertEqual(picked.first, "dataset/jft")
        XCTAssertEqual(Array(picked[1...4]), ["subset/data=10M", "subset/data=30M", "subset/data=100M", "subset/data=300M"])
        XCTAssertEqual(Array(picked[5...8]), ["pretrain/data=10M/model=r101", "pretrain/data=30M/model=r101",
                                             "pretrain/data=100M/model=r101", "pretrain/data=300M/model=r101"])
        XCTAssertTrue(picked[9...].allSatisfy { $0.hasPrefix("finetune/") && $0.contains("/model=r101/task=coco-det/") })
        let indices = try g.select(["finetune/*/model=r101/task=coco-det/*"])
        XCTAssertEqual(indices, indices.sorted())
    }

    func testExactNameAndQuestionMark() throws {
        let g = try Expander.expand(try Fixture().load(paperGrid))
        XCTAssertEqual(try g.select(["subset/data=30M"]).map { g.nodes[$0].id }, ["dataset/jft", "subset/data=30M"])
        XCTAssertEqual(try g.select(["pretrain/data=?0M/model=r50"]).map { g.nodes[$0].id }.filter { $0.hasPrefix("pretrain") },
                       ["pretrain/data=10M/model=r50", "pretrain/data=30M/model=r50"])
        XCTAssertEqual(try g.select(["*"]).count, g.nodes.count)
    }

    func testPatternMatchingNothingListsCloseNames() throws {
        let g = try Expander.expand(try Fixture().load(paperGrid))
        XCTAssertThrowsError(try g.select(["subset/data=30m"])) { error in
            guard case XGraphError.usage(let m) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(m.hasPrefix("no node matches 'subset/data=30m'; close names: subset/data=30M"), m)
        }
    }
}
