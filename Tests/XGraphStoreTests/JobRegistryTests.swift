import Foundation
import XCTest
import XGraphStore

/// The job registry's two states of one submission: the marker a head writes before `sbatch`
/// and the entry that names the job once it is known.
final class JobRegistryTests: StoreTestCase {
    func testAnEntryTakesItsMarkersPlaceWhateverTheirLengths() throws {
        let store = try makeStore()
        var job = SubmittedJob(node: "a/i=1", file: "/x/exp.yaml", executor: "slurm", job: "", key: nil,
                               log: store.root + "/logs/aa/a.log", attempt: 1, submitted: Date(timeIntervalSince1970: 1_800_000_000),
                               jobName: "xg:a[3]", output: "/o/0")
        try store.recordSubmitting(job, sync: false)
        XCTAssertEqual(store.submittingJob(file: job.file, node: job.node), job)
        XCTAssertNil(store.submittedJob(file: job.file, node: job.node))

        job.job = "123456789_0"
        try store.recordSubmitted(replacingMarker: job)
        try store.syncRegistry()
        XCTAssertNil(store.submittingJob(file: job.file, node: job.node))
        XCTAssertEqual(store.submittedJob(file: job.file, node: job.node), job)

        // A later, shorter entry over a longer marker: no bytes of the marker are left behind.
        var again = job
        again.job = ""
        again.attempt = 2
        again.log = store.root + "/logs/aa/a2.log"
        again.output = "/o/1234567890/1234567890/0"
        try store.recordSubmitting(again, sync: true)
        again.job = "7_0"
        again.output = "/o/0"
        try store.recordSubmitted(replacingMarker: again)
        XCTAssertEqual(store.submittedJob(file: job.file, node: job.node), again)
        XCTAssertNil(store.submittingJob(file: job.file, node: job.node))

        // No marker (a head that adopted the job meanwhile cleared it): written as usual.
        again.job = "8_0"
        try store.recordSubmitted(replacingMarker: again)
        XCTAssertEqual(store.submittedJob(file: job.file, node: job.node), again)
    }
}
