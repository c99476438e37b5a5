import XCTest
import XGraphCore
import XGraphExecutors

/// What a head asks Slurm for when it submits nodes as a job array, and how it reads the array's
/// tasks back from squeue, without a cluster (SlurmArrayTests runs them against one).
final class SlurmArrayRequestTests: XCTestCase {
    private func request(units: [[String]], throttle: Int = 5) -> SlurmArrayRequest {
        let shape = SlurmJobRequest(node: "w/i=1", command: [], workingDirectory: "/work", logPath: "",
                                    resources: Resources(gpus: 0, cpus: 2, memMB: 0),
                                    profile: SlurmProfile(partition: "cpu", sbatchArgs: ["--nice=5"]), resume: false)
        return SlurmArrayRequest(shape: shape, name: "xg:w[3]", folder: "/store/jobs/arrays/a1", units: units, throttle: throttle)
    }

    private func run(_ node: String, attempt: Int = 1) -> NodeRunnerCommand.Run {
        .init(description: "/store/jobs/descriptions/\(node).json", attempt: attempt, log: "/store/logs/\(node).log")
    }

    /// One task's runner, for `nodes` one after another.
    private func unit(_ nodes: String...) -> [String] {
        NodeRunnerCommand.arguments(xgraph: "/bin/xgraph", store: "/store", runs: nodes.map { run($0) })
    }

    func testTheArrayIsAskedForWithItsThrottleBeforeTheProfilesOwnArguments() {
        let r = request(units: [unit("a"), unit("b"), unit("c")])
        let args = r.sbatchArguments
        XCTAssertTrue(args.contains("--job-name=xg:w[3]"), "\(args)")
        XCTAssertTrue(args.contains("--output=/store/jobs/arrays/a1/%a"), "\(args)")
        XCTAssertTrue(args.contains("--partition=cpu") && args.contains("--cpus-per-task=2"), "\(args)")
        let array = args.firstIndex(of: "--array=0-2%3")
        XCTAssertNotNil(array, "a throttle above the task count is the task count: \(args)")
        XCTAssertEqual(args.last, "--nice=5", "the profile's own arguments come last: \(args)")
        XCTAssertEqual(request(units: [unit("a"), unit("b")], throttle: 1).sbatchArguments.filter { $0.hasPrefix("--array") },
                       ["--array=0-1%1"])
    }

    func testEachTaskIsOneQuotedLineAndALineBreakIsRefused() throws {
        let odd = ["/bin/xgraph", "run-node", "--description", "it's $(here)"]
        let text = try XCTUnwrap(request(units: [unit("a"), odd]).unitsText)
        XCTAssertEqual(text.split(separator: "\n").count, 2)
        XCTAssertTrue(text.hasPrefix("exec /bin/xgraph run-node --description /store/jobs/descriptions/a.json --store /store "
            + "--attempt 1 --log /store/logs/a.log\n"), text)
        XCTAssertTrue(text.contains(#"'it'\''s $(here)'"#), text)
        let broken = ["/bin/xgraph", "--description", "two\nlines"]
        XCTAssertNil(request(units: [unit("a"), broken]).unitsText)
        let script = request(units: []).script
        XCTAssertTrue(script.contains(#"sed -n "$((SLURM_ARRAY_TASK_ID + 1))p" /store/jobs/arrays/a1/units"#), script)
    }

    /// A grouped task's nodes are one runner, `exec`ed like a single node's (so it is the batch
    /// shell signals reach), given each node's description, attempt and log in order.
    func testAGroupedTaskIsOneRunnerGivenEachNodesDescriptionAttemptAndLog() throws {
        let runs = [run("a"), run("b b", attempt: 3)]
        let argv = NodeRunnerCommand.arguments(xgraph: "/bin/xgraph", store: "/s", runs: runs)
        XCTAssertEqual(argv, ["/bin/xgraph", "run-node",
                              "--description", "/store/jobs/descriptions/a.json", "--store", "/s", "--attempt", "1", "--log", "/store/logs/a.log",
                              "--description", "/store/jobs/descriptions/b b.json", "--attempt", "3", "--log", "/store/logs/b b.log"])
        XCTAssertEqual(NodeRunnerCommand.arguments(xgraph: "/bin/xgraph", store: "/s", runs: [run("a")]),
                       Array(argv.prefix(10)), "a node alone keeps the form single jobs have always had")
        let text = try XCTUnwrap(request(units: [argv, unit("c")]).unitsText)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 3, "one line per task, then the end: \(text)")
        XCTAssertEqual(lines[0], "exec /bin/xgraph run-node --description /store/jobs/descriptions/a.json --store /s --attempt 1 "
            + "--log /store/logs/a.log --description '/store/jobs/descriptions/b b.json' --attempt 3 --log '/store/logs/b b.log'")
        XCTAssertNil(request(units: [NodeRunnerCommand.arguments(xgraph: "/bin/xgraph", store: "/s",
                                                                  runs: [run("a"), run("b\nc")])]).unitsText,
                     "a line break in any node's word refuses the array")
    }

    func testMaxArraySizeIsReadFromTheConfiguration() {
        XCTAssertEqual(SlurmExecutor.maxArraySize(config: "MailProg = /bin/true\nMaxArraySize            = 5\nMaxJobCount = 10000\n"), 5)
        XCTAssertNil(SlurmExecutor.maxArraySize(config: "MaxJobCount = 10000\n"))
        XCTAssertNil(SlurmExecutor.maxArraySize(config: "MaxArraySize = lots\n"))
    }

    /// squeue prints an array's output pattern for every task; each task is known by its own file.
    func testEachTaskOfAnArrayIsListedAsItsOwnSubmission() {
        let text = [
            "12_0\u{1F}RUNNING\u{1F}None\u{1F}xg:w[3]\u{1F}/store/jobs/arrays/a1/%a\u{1F}",
            "12_2\u{1F}PENDING\u{1F}JobArrayTaskLimit\u{1F}xg:w[3]\u{1F}/store/jobs/arrays/a1/%a\u{1F}",
            "13\u{1F}PENDING\u{1F}None\u{1F}xg:v\u{1F}/store/logs/v%a.log\u{1F}",
        ].joined(separator: "\n")
        let jobs = SlurmQueue.parse(text)
        XCTAssertEqual(jobs.state(of: "12_0", as: SlurmJobIdentity(name: "xg:w[3]", log: "/store/jobs/arrays/a1/0")), .running)
        XCTAssertEqual(jobs.state(of: "12_2", as: SlurmJobIdentity(name: "xg:w[3]", log: "/store/jobs/arrays/a1/2")),
                       .pending(reason: "JobArrayTaskLimit"))
        XCTAssertNil(jobs.state(of: "12_2", as: SlurmJobIdentity(name: "xg:w[3]", log: "/store/jobs/arrays/a1/0")),
                     "another task's file is another submission")
        XCTAssertNotNil(jobs.state(of: "13", as: SlurmJobIdentity(name: "xg:v", log: "/store/logs/v%a.log")),
                        "a job that is no array keeps its output as written")
    }

    /// A Slurm whose `squeue --json` lists an array's pending tasks as one record (`3-5%2`):
    /// each task is still listed under its own id.
    func testAPendingRecordOfAnArrayInJSONListsEachTask() throws {
        let json = """
            {"meta": {"Slurm": {"version": {"major": 23, "minor": 11}}}, "jobs": [
             {"job_id": 40, "user_id": 0, "job_state": ["PENDING"], "state_reason": "JobArrayTaskLimit",
              "name": "xg:w[6]", "standard_output": "/a/%a", "array_job_id": {"set": true, "number": 40},
              "array_task_id": {"set": false, "number": 0}, "array_task_string": "3-5%2"},
             {"job_id": 41, "user_id": 0, "job_state": ["RUNNING"], "state_reason": "None",
              "name": "xg:w[6]", "standard_output": "/a/%a", "array_job_id": {"set": true, "number": 40},
              "array_task_id": {"set": true, "number": 0}}]}
            """
        let jobs = try XCTUnwrap(SlurmJSON.jobs(json, user: 0))
        XCTAssertEqual(Set(jobs.keys), ["40_0", "40_3", "40_4", "40_5"])
        XCTAssertEqual(jobs.state(of: "40_4", as: SlurmJobIdentity(name: "xg:w[6]", log: "/a/4")), .pending(reason: "JobArrayTaskLimit"))
        XCTAssertEqual(jobs.state(of: "40_0", as: SlurmJobIdentity(name: "xg:w[6]", log: "/a/0")), .running)
        for bad in ["-", "::", "3-1", "a-b", ""] {
            let text = json.replacingOccurrences(of: "\"3-5%2\"", with: "\"\(bad)\"")
            XCTAssertEqual(Set(try XCTUnwrap(SlurmJSON.jobs(text, user: 0)).keys), ["40", "40_0"], bad)
        }
    }
}
