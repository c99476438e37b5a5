import XCTest
import XGraphExecutors

/// The two ways the head reads the queue: squeue's text columns and Slurm's JSON job lists
/// (22.05's openapi v0.0.38, recorded on the test cluster and trimmed to the fields read, and
/// the later parsers' shape: state flags, numbers as objects, version numbers as strings).
final class SlurmQueueFormatTests: XCTestCase {
    static let us = SlurmJobIdentity(name: "xg:b/i=1", log: "/tmp/log-b.txt")

    static let slurm2205 = """
        {"meta": {"plugin": {"type": "openapi/v0.0.38", "name": "Slurm OpenAPI v0.0.38"},
                  "Slurm": {"version": {"major": 22, "micro": 8, "minor": 5}, "release": "22.05.8"}},
         "errors": [],
         "jobs": [
          {"job_id": 7, "user_id": 0, "user_name": "root", "job_state": "RUNNING", "state_reason": "None",
           "name": "xg:b/i=1", "standard_output": "/tmp/log-b.txt", "array_job_id": 0, "array_task_id": null, "partition": "gpu"},
          {"job_id": 8, "user_id": 65534, "user_name": "nobody", "job_state": "RUNNING", "state_reason": "None",
           "name": "other", "standard_output": "/dev/null", "array_job_id": 0, "array_task_id": null, "partition": "cpu"},
          {"job_id": 9, "user_id": 0, "user_name": "root", "job_state": "PENDING", "state_reason": "Dependency",
           "name": "xg:c", "standard_output": "/tmp/log-c.txt", "array_job_id": 0, "array_task_id": null, "partition": "cpu"},
          {"job_id": 2, "user_id": 0, "user_name": "root", "job_state": "COMPLETED", "state_reason": "None",
           "name": "wrap", "standard_output": "/dev/null", "array_job_id": 0, "array_task_id": null, "partition": "cpu"}]}
        """

    /// The same jobs as squeue's text columns print them (unit separators between fields).
    static let text = [
        "7\u{1F}RUNNING\u{1F}None\u{1F}xg:b/i=1\u{1F}/tmp/log-b.txt\u{1F}",
        "9\u{1F}PENDING\u{1F}Dependency\u{1F}xg:c\u{1F}/tmp/log-c.txt\u{1F}",
        "2\u{1F}COMPLETED\u{1F}None\u{1F}wrap\u{1F}/dev/null\u{1F}",
    ].joined(separator: "\n") + "\n"

    func testJSONOf2205KeepsOnlyThisUsersJobsThatHaveNotEnded() throws {
        let jobs = try XCTUnwrap(SlurmJSON.jobs(Self.slurm2205, user: 0))
        XCTAssertEqual(Set(jobs.keys), ["7", "9"])
        XCTAssertEqual(jobs.state(of: "7", as: Self.us), .running)
        XCTAssertEqual(jobs["9"]?.state, .pending(reason: "Dependency"))
        XCTAssertEqual(Set(try XCTUnwrap(SlurmJSON.jobs(Self.slurm2205, user: 65534)).keys), ["8"])
    }

    func testTextAndJSONGiveTheSameJobs() throws {
        XCTAssertEqual(SlurmQueue.parse(Self.text), try XCTUnwrap(SlurmJSON.jobs(Self.slurm2205, user: 0)))
    }

    func testLaterParsersStateFlagsNumberObjectsAndArrayTasks() throws {
        let json = """
            {"meta": {"slurm": {"version": {"major": "23", "micro": "4", "minor": "11"}, "release": "23.11.4"}},
             "jobs": [
              {"job_id": 101, "user_id": 1000, "job_state": ["PENDING"], "state_reason": "Priority", "name": "xg:a",
               "standard_output": "/s/a.log", "array_job_id": {"set": true, "infinite": false, "number": 100},
               "array_task_id": {"set": true, "infinite": false, "number": 3}},
              {"job_id": 102, "user_id": 1000, "job_state": ["RUNNING", "REQUEUED"], "state_reason": "None", "name": "xg:b",
               "standard_output": "/s/b.log", "array_job_id": {"set": true, "infinite": false, "number": 0},
               "array_task_id": {"set": false, "infinite": false, "number": 0}}]}
            """
        let jobs = try XCTUnwrap(SlurmJSON.jobs(json, user: 1000))
        XCTAssertEqual(jobs["100_3"]?.state, .pending(reason: "Priority"))
        XCTAssertEqual(jobs["102"]?.state, .running)
        XCTAssertEqual(SlurmJSON.reply(json)?.version.map { [$0.major, $0.minor] }, [23, 11])
    }

    func testWhatIsNotAJobListIsNil() {
        XCTAssertNil(SlurmJSON.jobs("squeue: unrecognized option '--json'", user: 0))
        XCTAssertNil(SlurmJSON.jobs("{\"meta\": {}}", user: 0))
    }

    /// The release `squeue --version` names decides whether the JSON probe is made at all.
    func testVersionFromSqueueVersion() {
        XCTAssertTrue(SlurmQueueFormat.version("slurm-wlm 22.05.8\n").map { $0 == (22, 5) } ?? false)
        XCTAssertTrue(SlurmQueueFormat.version("slurm 23.11.4\n").map { $0 == (23, 11) } ?? false)
        XCTAssertNil(SlurmQueueFormat.version("squeue: error: something\n"))
        XCTAssertNil(SlurmQueueFormat.version(""))
    }
}
