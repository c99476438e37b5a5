import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphSpec

/// Every bad `executor:` or `slurm:` value is one error at its line and column that says what
/// would be valid.
final class SlurmProfileErrorTests: XCTestCase {
    let f = Fixture()

    func at(_ line: Int, _ column: Int, _ name: String = "exp.yaml") -> SourceLocation {
        SourceLocation(file: f.dir + "/" + name, line: line, column: column)
    }

    /// The error for a step profile holding `fields`; the step's `slurm:` is line 5, and
    /// `column` finds `needle` in it.
    func stepError(_ fields: String, at needle: String, resume: Bool = true,
                   file: StaticString = #filePath, line: UInt = #line) -> String {
        let slurmLine = "    slurm: { \(fields) }"
        let (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    resume: \(resume)\n\(slurmLine)\n", file: file, line: line)
        let column = slurmLine.range(of: needle).map { slurmLine.distance(from: slurmLine.startIndex, to: $0.lowerBound) + 1 }
        XCTAssertEqual(loc, at(5, column ?? 0), msg, file: file, line: line)
        return msg
    }

    func testUnknownExecutorNamesTheValidOnes() {
        var (loc, msg) = f.loadError("executor: slurmm\n")
        XCTAssertEqual(loc, at(1, 11))
        XCTAssertEqual(msg, "unknown executor 'slurmm'; did you mean 'slurm'? valid executors: local, slurm")
        (loc, msg) = f.loadError("executor: { pbs: { queue: q } }\n")
        XCTAssertEqual(loc, at(1, 13))
        XCTAssertEqual(msg, "unknown executor 'pbs'; valid executors: local, slurm")
        (loc, msg) = f.loadError("executor:\n")
        XCTAssertEqual(loc, at(1, 10))
        XCTAssertTrue(msg.hasPrefix("'executor' must be local, slurm or a mapping such as { slurm: { partition: gpu } }, found nothing"), msg)
    }

    func testMappingFormTakesExactlyOneExecutor() {
        let (loc, msg) = f.loadError("executor: { slurm: {}, local: {} }\n")
        XCTAssertEqual(loc, at(1, 11))
        XCTAssertEqual(msg, "'executor' as a mapping has exactly one key, the executor, as in { slurm: { partition: gpu } }; "
            + "found 2 keys; valid executors: local, slurm")
    }

    func testLocalTakesNoFields() {
        let (loc, msg) = f.loadError("executor: { local: { partition: gpu } }\n")
        XCTAssertEqual(loc, at(1, 20))
        XCTAssertTrue(msg.hasPrefix("executor 'local' takes no fields"), msg)
    }

    func testUnknownFieldSuggestsTheClosest() {
        let (loc, msg) = f.loadError("executor: { slurm: { partiton: gpu } }\n")
        XCTAssertEqual(loc, at(1, 22))
        XCTAssertEqual(msg, "unknown key 'partiton' in 'slurm' of 'executor'; did you mean 'partition'? "
            + "valid keys: partition, account, qos, constraint, reservation, sbatch_args, signal_before_end, max_running")
        XCTAssertTrue(stepError("acount: p", at: "acount").hasPrefix(
            "unknown key 'acount' in 'slurm' of step 'a'; did you mean 'account'? valid keys: partition"))
        XCTAssertTrue(stepError("signal: 5m", at: "signal").contains("did you mean 'signal_before_end'?"))
    }

    func testUnknownStepKeyListsSlurm() {
        let (_, msg) = f.loadError("steps:\n  a:\n    command: echo\n    slrum: {}\n")
        XCTAssertTrue(msg.hasPrefix("unknown key 'slrum' in step 'a'; did you mean 'slurm'?"), msg)
    }

    func testNamesAreNonEmptyWordsWithoutControlCharacters() {
        XCTAssertEqual(stepError("partition: \"\"", at: "\"\""),
                       "'partition' is empty; give a partition name, or a comma-separated list of them, or leave it out")
        XCTAssertEqual(stepError("account: \"my proj\"", at: "\"my"),
                       "'account' \"my proj\" contains whitespace (U+0020); give one account name without spaces")
        XCTAssertEqual(stepError("qos: \"hi\\tgh\"", at: "\"hi"),
                       "'qos' \"hi\\tgh\" contains a control character (U+0009); give one qos name without spaces")
        XCTAssertEqual(stepError("reservation: \"r1\\n\"", at: "\"r1"),
                       "'reservation' \"r1\\n\" contains a control character (U+000A); "
                       + "give a reservation name, or a comma-separated list of them, without spaces")
        XCTAssertEqual(stepError("account: \"a,b\"", at: "\"a,b"), "'account' 'a,b' is a list; Slurm takes one account name")
        XCTAssertEqual(stepError("partition: \"gpu,,cpu\"", at: "\"gpu"),
                       "'partition' 'gpu,,cpu' has an empty name in its list; separate names with single commas")
        XCTAssertTrue(stepError("partition: [gpu]", at: "[gpu]").hasPrefix("'partition' must be a string, found a list"))
    }

    func testConstraintRefusesOnlyEmptinessAndControlCharacters() {
        XCTAssertTrue(stepError("constraint: \"\"", at: "\"\"").hasPrefix("'constraint' is empty"))
        XCTAssertEqual(stepError("constraint: \"a100\\r\"", at: "\"a100"),
                       "'constraint' contains a control character (U+000D); a constraint is features joined by &, |, [], * and the like")
    }

    func testSignalBeforeEndIsAWholeNumberOfSecondsWithinSlurmsLimit() {
        let limit = "'signal_before_end' must be whole seconds from 1s to 65535s (18:12:15, the most Slurm's --signal takes), found "
        XCTAssertEqual(stepError("signal_before_end: 0s", at: "0s"), limit + "0s")
        XCTAssertEqual(stepError("signal_before_end: 19h", at: "19h"), limit + "19h")
        XCTAssertEqual(stepError("signal_before_end: 1.5s", at: "1.5s"), limit + "1.5s")
        XCTAssertEqual(stepError("signal_before_end: soon", at: "soon"),
                       "'signal_before_end' must be a duration such as 90s, 30m, 72h, 2d or 12:00:00, found string \"soon\"")
        XCTAssertTrue(stepError("signal_before_end: 5m", at: "signal_before_end", resume: false)
            .hasPrefix("'signal_before_end' is only used by steps with 'resume: true'"))
    }

    func testSbatchArgsAreOptionWordsThatXGraphDoesNotWriteItself() {
        XCTAssertTrue(stepError("sbatch_args: [--nice, \"10\"]", at: "\"10\"")
            .hasPrefix("sbatch argument '10' is not an option; each entry is one option starting with '-', its value joined with '='"))
        XCTAssertTrue(stepError("sbatch_args: [\"--\"]", at: "\"--\"").contains("is not an option"))
        XCTAssertEqual(stepError("sbatch_args: [\"--exclusive\\n\"]", at: "\"--ex"),
                       "sbatch argument '--exclusive?' contains a control character (a newline or tab, shown as ?); "
                       + "each entry is one line-free option word")
        XCTAssertEqual(stepError("sbatch_args: [--exclusive, --partition=gpu]", at: "--partition"),
                       "sbatch argument '--partition=gpu' sets --partition (-p), which xgraph writes for every job; "
                       + "use the profile's 'partition'")
        XCTAssertEqual(stepError("sbatch_args: [--part=gpu]", at: "--part"),
                       "sbatch argument '--part=gpu' sets --partition (-p), which xgraph writes for every job; "
                       + "use the profile's 'partition'")
        XCTAssertEqual(stepError("sbatch_args: [-t5]", at: "-t5"),
                       "sbatch argument '-t5' sets --time (-t), which xgraph writes for every job; use the step's resources: time")
        XCTAssertEqual(stepError("sbatch_args: [--mem=4G]", at: "--mem"),
                       "sbatch argument '--mem=4G' sets --mem, which xgraph writes for every job; use the step's resources: mem")
        XCTAssertTrue(stepError("sbatch_args: [-vJx]", at: "-vJx").contains("sets --job-name (-J)"))
        XCTAssertTrue(stepError("sbatch_args: [--gpus]", at: "--gpus").hasSuffix("use the step's resources: gpus"))
    }

    func testExecutorSetInTwoFilesNamesBoth() {
        f.write("cluster.yaml", "executor: slurm\n")
        let (loc, msg) = f.loadError("include: cluster.yaml\nexecutor: local\n")
        XCTAssertEqual(loc, at(2, 1))
        XCTAssertEqual(msg, "'executor' is set twice: here and at \(f.dir)/cluster.yaml:1:1; "
            + "set it once, in the experiment file or in one file it includes")
    }
}
