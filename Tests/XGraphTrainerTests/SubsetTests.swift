import XCTest
import XGraphCore
import XGraphTrainer

final class SubsetTests: XCTestCase {
    func testNestedDrawsAreSubsetsOfLargerOnes() {
        let sizes = [10, 100, 1000, 3000, 10000]
        let draws = sizes.map { SubsetDraw.indices(items: 60000, size: $0, seed: 4, nested: true) }
        for (draw, size) in zip(draws, sizes) {
            XCTAssertEqual(draw.count, size)
            XCTAssertEqual(Set(draw).count, size, "distinct")
            XCTAssertEqual(draw, draw.sorted())
            XCTAssertTrue(draw.allSatisfy { $0 < 60000 })
        }
        for (small, large) in zip(draws, draws.dropFirst()) {
            XCTAssertTrue(Set(small).isSubset(of: Set(large)))
        }
        XCTAssertEqual(SubsetDraw.indices(items: 50, size: 50, seed: 1, nested: true), (0..<50).map { UInt32($0) })
    }

    func testDrawsAreFixedBySeed() {
        let a = SubsetDraw.indices(items: 60000, size: 1000, seed: 1, nested: true)
        XCTAssertEqual(a, SubsetDraw.indices(items: 60000, size: 1000, seed: 1, nested: true))
        XCTAssertNotEqual(a, SubsetDraw.indices(items: 60000, size: 1000, seed: 2, nested: true))
    }

    func testIndependentDrawsAreNotNested() {
        let small = Set(SubsetDraw.indices(items: 60000, size: 1000, seed: 1, nested: false))
        let large = Set(SubsetDraw.indices(items: 60000, size: 3000, seed: 1, nested: false))
        XCTAssertFalse(small.isSubset(of: large))
        XCTAssertEqual(small, Set(SubsetDraw.indices(items: 60000, size: 1000, seed: 1, nested: false)))
    }

    func testLabelNoiseHitsTheDeclaredRateWithDifferentClasses() {
        var rng = SplitMix64(seed: 9)
        let clean = (0..<20000).map { _ in UInt8(rng.next(below: 10)) }
        let noisy = clean.enumerated().map { SubsetDraw.noisyLabel(item: $0.offset, label: $0.element, classes: 10, rate: 0.2, seed: 3) }
        let changed = zip(clean, noisy).filter { $0 != $1 }.count
        XCTAssertEqual(Double(changed) / 20000, 0.2, accuracy: 0.015)
        XCTAssertTrue(noisy.allSatisfy { $0 < 10 })
        // Each item's noisy label depends only on (seed, item): the same in every subset.
        XCTAssertEqual(noisy[123], SubsetDraw.noisyLabel(item: 123, label: clean[123], classes: 10, rate: 0.2, seed: 3))
        XCTAssertEqual(clean.enumerated().map { SubsetDraw.noisyLabel(item: $0.offset, label: $0.element, classes: 10, rate: 0, seed: 3) }, clean)
    }
}
