import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphSpec

/// `executor:` and `slurm:` in every form they may be written.
final class SlurmProfileTests: XCTestCase {
    let step = "steps:\n  a: { command: echo }\n"

    func testNoExecutorLeavesItToTheCommandLine() throws {
        let spec = try Fixture().load(step)
        XCTAssertNil(spec.executor)
        XCTAssertNil(spec.executorLocation)
        XCTAssertEqual(spec.slurm, SlurmProfile())
        XCTAssertNil(spec.steps[0].slurm)
    }

    func testStringForms() throws {
        let f = Fixture()
        var spec = try f.load("executor: slurm\n" + step)
        XCTAssertEqual(spec.executor, .slurm)
        XCTAssertEqual(spec.slurm, SlurmProfile())
        XCTAssertEqual(spec.executorLocation, SourceLocation(file: f.dir + "/exp.yaml", line: 1, column: 11))
        spec = try f.load("executor: local\n" + step)
        XCTAssertEqual(spec.executor, .local)
    }

    func testMappingFormWithEveryField() throws {
        let spec = try Fixture().load("""
        executor:
          slurm:
            partition: gpu,gpu-long
            account: proj42
            qos: normal
            constraint: "a100&[rack1|rack2]*2"
            reservation: r1
            sbatch_args: ["--exclusive", "--nice=10", -wnode1, --mem-per-cpu=4G]
            signal_before_end: 10m
        steps:
          a: { command: echo }
        """)
        XCTAssertEqual(spec.executor, .slurm)
        XCTAssertEqual(spec.slurm, SlurmProfile(
            partition: "gpu,gpu-long", account: "proj42", qos: "normal", constraint: "a100&[rack1|rack2]*2",
            reservation: "r1", sbatchArgs: ["--exclusive", "--nice=10", "-wnode1", "--mem-per-cpu=4G"], signalSeconds: 600))
    }

    func testEmptyMappingForms() throws {
        let f = Fixture()
        for text in ["executor: { slurm: {} }\n", "executor: { slurm: }\n", "executor:\n  slurm:\n"] {
            let spec = try f.load(text + step)
            XCTAssertEqual(spec.executor, .slurm, text)
            XCTAssertEqual(spec.slurm, SlurmProfile(), text)
        }
        for text in ["executor: { local: {} }\n", "executor: { local: }\n"] {
            XCTAssertEqual(try f.load(text + step).executor, .local, text)
        }
    }

    func testMaxRunningIsReadForTheFileAndTheStepAndRefusedOutOfRange() throws {
        let f = Fixture()
        let spec = try f.load("executor: { slurm: { max_running: 20 } }\nsteps:\n  a: { command: echo, slurm: { max_running: 4 } }\n  b: { command: echo }\n")
        XCTAssertEqual(spec.slurm.maxRunning, 20)
        XCTAssertEqual(spec.steps[0].slurm?.maxRunning, 4)
        XCTAssertEqual(spec.slurm.overridden(by: spec.steps[0].slurm ?? SlurmProfile()).maxRunning, 4)
        XCTAssertNil(spec.steps[1].slurm)
        let (loc, msg) = f.loadError("executor: { slurm: { max_running: 0 } }\n" + step)
        XCTAssertEqual(loc?.line, 1)
        XCTAssertEqual(loc?.column, 35)
        XCTAssertTrue(msg.contains("max_running") && msg.contains("1"), msg)
    }

    func testSignalTakesEveryDurationFormWithinSlurmsLimit() throws {
        let f = Fixture()
        for (text, seconds) in [("1s", 1), ("90", 90), ("\"00:05:00\"", 300), ("18:12:15", 65535), ("1h", 3600)] {
            let spec = try f.load("executor: { slurm: { signal_before_end: \(text) } }\n" + step)
            XCTAssertEqual(spec.slurm.signalSeconds, seconds, text)
        }
    }

    func testStepProfileOverridesTheFilesFieldByFieldAndAppendsArguments() throws {
        let spec = try Fixture().load("""
        executor:
          slurm: { partition: cpu, account: proj42, sbatch_args: [--exclusive], signal_before_end: 10m }
        steps:
          train:
            command: echo
            resume: true
            slurm: { partition: gpu, qos: high, sbatch_args: ["--nice=5"], signal_before_end: 2m }
          eval:
            command: echo
            slurm:
        """)
        let train = try XCTUnwrap(spec.step(named: "train")?.slurm)
        XCTAssertEqual(train, SlurmProfile(partition: "gpu", qos: "high", sbatchArgs: ["--nice=5"], signalSeconds: 120))
        XCTAssertEqual(spec.slurm.overridden(by: train), SlurmProfile(
            partition: "gpu", account: "proj42", qos: "high", sbatchArgs: ["--exclusive", "--nice=5"], signalSeconds: 120))
        XCTAssertEqual(spec.step(named: "eval")?.slurm, SlurmProfile())
    }

    func testAnIncludedFileMaySetTheExecutor() throws {
        let f = Fixture()
        f.write("cluster.yaml", "executor: { slurm: { account: proj42 } }\n")
        let spec = try f.load("include: cluster.yaml\n" + step)
        XCTAssertEqual(spec.executor, .slurm)
        XCTAssertEqual(spec.slurm.account, "proj42")
        XCTAssertEqual(spec.executorLocation?.file, f.dir + "/cluster.yaml")
    }

    func testSbatchOptionsCatchesEverySpellingOfAReservedOption() {
        for word in ["--partition=gpu", "--partition", "--part=gpu", "-p", "-pgpu", "-vJname", "-QvG2", "--gres=gpu:1",
                     "--no-requeue", "--kill-on-invalid-dep=yes", "--comment=x", "--time=1:00:00", "-t5"] {
            XCTAssertNotNil(SbatchOptions.reservedOption(in: word), word)
        }
        for word in ["--exclusive", "--nice=10", "--mem-per-cpu=4G", "--gres-flags=enforce-binding", "--time-min=10",
                     "--export-file=f", "-wnode1", "-N2", "-vN2", "-wJ"] {
            XCTAssertNil(SbatchOptions.reservedOption(in: word), word)
        }
    }
}
