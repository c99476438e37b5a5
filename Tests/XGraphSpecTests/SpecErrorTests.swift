import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphSpec

/// Each kind of bad input gets one error at the right line and column that says what is valid.
final class SpecErrorTests: XCTestCase {
    func at(_ f: Fixture, _ line: Int, _ column: Int, _ name: String = "exp.yaml") -> SourceLocation {
        SourceLocation(file: f.dir + "/" + name, line: line, column: column)
    }

    func testYAMLSyntaxErrorCarriesTheParsersLineAndColumn() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  a:\n    foreach: { x: [1, 2 }\n")
        XCTAssertEqual(loc, at(f, 3, 25))
        XCTAssertTrue(msg.hasPrefix("YAML syntax error: did not find expected ',' or ']'"), msg)
    }

    func testUnknownTopLevelKeySuggestsTheClosestAndListsValidKeys() {
        let f = Fixture()
        let (loc, msg) = f.loadError("datasets: {}\nstep:\n  a: { command: echo }\n")
        XCTAssertEqual(loc, at(f, 2, 1))
        XCTAssertEqual(msg, "unknown key 'step' in the experiment file; did you mean 'steps'? "
            + "valid keys: include, datasets, subsets, models, tasks, axes, steps, executor, container, remote")
    }

    func testUnknownStepKeySuggestsTheClosest() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  pretrain:\n    comand: echo\n")
        XCTAssertEqual(loc, at(f, 3, 5))
        XCTAssertTrue(msg.hasPrefix("unknown key 'comand' in step 'pretrain'; did you mean 'command'? valid keys: run, command, foreach"), msg)
    }

    func testUnknownKeyFarFromEveryValidKeyStillListsThem() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    zzzzzz: 1\n")
        XCTAssertEqual(loc, at(f, 4, 5))
        XCTAssertTrue(msg.hasPrefix("unknown key 'zzzzzz' in step 'a'; valid keys: run, command, foreach"), msg)
    }

    func testUnknownResourcesKey() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    resources: { gpus: 1, memory: 4G }\n")
        XCTAssertEqual(loc, at(f, 4, 27))
        XCTAssertEqual(msg, "unknown key 'memory' in 'resources' of step 'a'; did you mean 'mem'? valid keys: gpus, cpus, mem, time")
    }

    func testWrongTypeNamesTheTypeFound() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    retries: two\n")
        XCTAssertEqual(loc, at(f, 4, 14))
        XCTAssertEqual(msg, "'retries' must be an integer, found string \"two\"")
    }

    func testBadSizeLabel() {
        let f = Fixture()
        let (loc, msg) = f.loadError("datasets:\n  d: { path: /d }\nsubsets:\n  s: { dataset: d, sizes: [10M, 3x] }\n")
        XCTAssertEqual(loc, at(f, 4, 33))
        XCTAssertEqual(msg, "'sizes' must be a size such as 1000, 30k, 10M or 1.5B, found string \"3x\"")
    }

    func testSubsetLargerThanItsDataset() {
        let f = Fixture()
        let (loc, msg) = f.loadError("datasets:\n  d: { path: /d, items: 1M }\nsubsets:\n  s: { dataset: d, sizes: [10k, 2M] }\n")
        XCTAssertEqual(loc, at(f, 4, 33))
        XCTAssertEqual(msg, "subset size 2M exceeds the 1M items of dataset 'd'")
    }

    func testBadMemAndTime() {
        let f = Fixture()
        var (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    resources: { mem: 4X }\n")
        XCTAssertEqual(loc, at(f, 4, 23))
        XCTAssertEqual(msg, "'mem' must be an amount such as 512M, 64G or 1T, found string \"4X\"")
        (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    resources: { time: 3 weeks }\n")
        XCTAssertEqual(loc, at(f, 4, 24))
        XCTAssertEqual(msg, "'time' must be a duration such as 90s, 30m, 72h, 2d or 12:00:00, found string \"3 weeks\"")
    }

    func testUndefinedAxisSourceSuggestsTheClosestName() {
        let f = Fixture()
        let (loc, msg) = f.loadError("""
        models:
          resnet: { capacities: { r50: {} } }
        steps:
          a:
            foreach: { model: models.resnt }
            command: echo
        """)
        XCTAssertEqual(loc, at(f, 5, 23))
        XCTAssertEqual(msg, "undefined axis source 'models.resnt'; did you mean 'resnet'? models: 'resnet'")
    }

    func testUnknownAxisSourceKind() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  a:\n    foreach: { m: model }\n    command: echo\n")
        XCTAssertEqual(loc, at(f, 3, 19))
        XCTAssertTrue(msg.hasPrefix("unknown axis source 'model'; did you mean 'models'?"), msg)
    }

    func testUndefinedInputStep() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  pretrain: { command: echo }\n  eval:\n    inputs: { ckpt: pretrian }\n    command: echo\n")
        XCTAssertEqual(loc, at(f, 4, 21))
        XCTAssertEqual(msg, "input 'ckpt' names undefined step 'pretrian'; did you mean 'pretrain'? "
            + "steps: 'pretrain', 'eval'; datasets are written datasets.NAME")
    }

    func testMissingCodeFile() {
        let f = Fixture()
        f.write("train.py", "")
        let (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    code: [train.py, lib/missing.py]\n")
        XCTAssertEqual(loc, at(f, 4, 22))
        XCTAssertEqual(msg, "code path 'lib/missing.py' does not exist (looked for \(f.dir)/lib/missing.py)")
    }

    func testMissingIncludeFilePointsAtTheIncludeEntry() {
        let f = Fixture()
        let (loc, msg) = f.loadError("include:\n  - catalog.yaml\n")
        XCTAssertEqual(loc, at(f, 2, 5))
        XCTAssertEqual(msg, "included file '\(f.dir)/catalog.yaml' does not exist")
    }

    func testNameDefinedTwiceAcrossIncludesNamesBothLocations() {
        let f = Fixture()
        f.write("a.yaml", "datasets:\n  jft: { path: /a }\n")
        let (loc, msg) = f.loadError("include: [a.yaml]\ndatasets:\n  jft: { path: /b }\n")
        XCTAssertEqual(loc, at(f, 3, 3))
        XCTAssertEqual(msg, "dataset 'jft' is defined twice: here and at \(f.dir)/a.yaml:2:3; each name may be declared once")
    }

    func testIncludeCycle() {
        let f = Fixture()
        f.write("a.yaml", "include: [exp.yaml]\n")
        let (loc, msg) = f.loadError("include: [a.yaml]\n")
        XCTAssertEqual(loc, at(f, 1, 11, "a.yaml"))
        XCTAssertEqual(msg, "include cycle: exp.yaml → a.yaml → exp.yaml")
    }

    func testEmptyFile() {
        let f = Fixture()
        let (loc, msg) = f.loadError("# nothing yet\n")
        XCTAssertEqual(loc, at(f, 1, 1))
        XCTAssertEqual(msg, "the experiment file is empty; expected a mapping with keys: include, datasets, subsets, models, tasks, axes, steps, executor, container, remote")
    }

    func testFileNotFoundHasNoLocationButNamesTheFile() {
        XCTAssertThrowsError(try SpecLoader.load(path: "/nonexistent/exp.yaml")) { error in
            XCTAssertEqual(error as? XGraphError, .spec(nil, "/nonexistent/exp.yaml: experiment file does not exist"))
        }
    }

    func testRunAndCommandTogether() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  a:\n    run: builtin:eval\n    command: echo\n")
        XCTAssertEqual(loc, at(f, 4, 5))
        XCTAssertEqual(msg, "step 'a' has both 'run' and 'command'; give exactly one")
    }

    func testUnknownBuiltinListsTheValidOnes() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  a: { run: builtin:pretrian }\n")
        XCTAssertEqual(loc, at(f, 2, 13))
        XCTAssertEqual(msg, "unknown builtin 'builtin:pretrian'; did you mean 'builtin:pretrain'? valid: builtin:subset, "
            + "builtin:pretrain, builtin:transfer, builtin:eval; for a shell command use 'command:'")
    }

    func testUnknownBuiltinDatasetSource() {
        let f = Fixture()
        let (loc, msg) = f.loadError("datasets:\n  d: { source: builtin:mnist }\n")
        XCTAssertEqual(loc, at(f, 2, 16))
        XCTAssertEqual(msg, "unknown dataset source 'builtin:mnist'; valid sources: builtin:fashion-mnist")
    }

    func testOutputsMustStayInsideTheOutputFolder() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  a:\n    command: echo\n    outputs: [ok.txt, ../escape.txt]\n")
        XCTAssertEqual(loc, at(f, 4, 23))
        XCTAssertEqual(msg, "output '../escape.txt' must be a relative path inside the output folder "
            + "(no '.' or '..' parts, not empty, not absolute)")
    }

    func testVersionFingerprintNeedsAVersion() {
        let f = Fixture()
        let (loc, msg) = f.loadError("datasets:\n  d: { path: /d, fingerprint: version }\n")
        XCTAssertEqual(loc, at(f, 2, 31))
        XCTAssertEqual(msg, "fingerprint: version needs 'version: \"...\"' in dataset 'd'")
    }

    func testFilterValueMustBeAValueOfTheAxis() {
        let f = Fixture()
        let (loc, msg) = f.loadError("""
        datasets: { d: { path: /d } }
        subsets: { s: { dataset: d, sizes: [10k, 30k] } }
        steps:
          a:
            foreach: { data: subsets.s }
            exclude: [{ data: 30K }]
            command: echo
        """)
        XCTAssertEqual(loc, at(f, 6, 23))
        XCTAssertEqual(msg, "'30K' is not a value of axis 'data'; did you mean '30k'? values: '10k', '30k'")
    }

    func testParamNamedLikeAnAxis() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  a:\n    foreach: { lr: [1, 2] }\n    params: { lr: 3 }\n    command: echo\n")
        XCTAssertEqual(loc, at(f, 4, 15))
        XCTAssertEqual(msg, "parameter 'lr' has the name of an axis of step 'a'; rename one of them")
    }

    func testDuplicateKeyInOneMapping() {
        let f = Fixture()
        let (loc, msg) = f.loadError("steps:\n  a: { command: echo }\n  a: { command: true }\n")
        XCTAssertEqual(loc?.line, 2)
        XCTAssertEqual(msg, "duplicate key 'a' in one mapping; each key may appear once")
    }

    func testErrorDescriptionStartsWithFileLineColumn() {
        let f = Fixture()
        do {
            _ = try f.load("steps:\n  a:\n    command: echo\n    retries: two\n")
            XCTFail("expected an error")
        } catch {
            XCTAssertEqual("\(error)", "\(f.dir)/exp.yaml:4:14: error: 'retries' must be an integer, found string \"two\"")
        }
    }
}
