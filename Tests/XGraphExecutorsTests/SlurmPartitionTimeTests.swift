import Foundation
import XCTest
import XGraphCore
@testable import XGraphExecutors

/// The time check of the `sinfo` preflight, used for a grouped job's `max_time`: the job asks
/// for that time plus xgraph's margin, which must fit the partition's MaxTime.
final class SlurmPartitionTimeTests: XCTestCase {
    let partitions = SlurmPartitions.parse("""
        short*|4|8000|(null)|1:00:00
        long|4|8000|(null)|2-00:00:00
        open|4|8000|(null)|infinite

        """)

    func testATimeThatFitsWithXGraphsMarginPasses() {
        XCTAssertNil(partitions.timeLimitExceeded(3600 - SlurmJobRequest.timeMargin, partition: nil))
        XCTAssertNil(partitions.timeLimitExceeded(7200, partition: "long"))
        XCTAssertNil(partitions.timeLimitExceeded(1e9, partition: "open"))
    }

    func testATimeOverTheLimitNamesThePartitionAndItsLimit() {
        let over = partitions.timeLimitExceeded(3600 - SlurmJobRequest.timeMargin + 1, partition: nil)
        XCTAssertEqual(over?.name, "short")
        XCTAssertEqual(over?.limit, 3600)
        XCTAssertEqual(partitions.timeLimitExceeded(3 * 86400, partition: "short,long")?.name, "long")
    }

    func testOnePartitionOfAListThatAllowsItSuffices() {
        XCTAssertNil(partitions.timeLimitExceeded(7200, partition: "short,long"))
    }

    func testAnUnknownPartitionIsLeftToTheResourceCheck() {
        XCTAssertNil(partitions.timeLimitExceeded(1e9, partition: "nonesuch"))
        XCTAssertNotNil(partitions.misfit(Resources(), partition: "nonesuch"))
    }
}
