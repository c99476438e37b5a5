import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphGraph
import XGraphSpec

final class ExpanderErrorTests: XCTestCase {
    func expandError(_ yaml: String, _ f: Fixture, line: UInt = #line) -> (SourceLocation?, String) {
        do {
            _ = try Expander.expand(try f.load(yaml))
            XCTFail("expected an error", line: line)
        } catch XGraphError.spec(let loc, let m) {
            return (loc, m)
        } catch {
            XCTFail("unexpected \(error)", line: line)
        }
        return (nil, "")
    }

    func at(_ f: Fixture, _ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: f.dir + "/exp.yaml", line: line, column: column)
    }

    /// 20 axes of 10 values: 10^20 combinations overflowed Int in the product (a trap) before
    /// a single node was made; 10^8 would have exhausted memory instead.
    func testAStepWithMoreCombinationsThanTheLimitIsAnErrorAtTheStep() {
        let f = Fixture()
        let axes = (0..<20).map { "x\($0): [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]" }.joined(separator: ", ")
        let (loc, msg) = expandError("steps:\n  a:\n    foreach: { \(axes) }\n    command: echo\n", f)
        XCTAssertEqual(loc, at(f, 2, 3))
        XCTAssertEqual(msg, "step 'a' has more than 10000000 combinations of its axes (20 axes of 10 values each); "
            + "split it, or narrow it with 'only:'")
    }

    func testCyclePrintsThePathWithLocations() {
        let f = Fixture()
        let (loc, msg) = expandError("""
        steps:
          a: { inputs: { x: c }, command: echo }
          b: { inputs: { x: a }, command: echo }
          c: { inputs: { x: b }, command: echo }
        """, f)
        XCTAssertEqual(loc, at(f, 2, 3))
        XCTAssertEqual(msg, "steps form a cycle: a → b → c → a ('a' at \(f.dir)/exp.yaml:2:3, "
            + "'b' at \(f.dir)/exp.yaml:3:3, 'c' at \(f.dir)/exp.yaml:4:3)")
    }

    func testSelfReference() {
        let f = Fixture()
        let (loc, msg) = expandError("steps:\n  a: { inputs: { x: a }, command: echo }\n", f)
        XCTAssertEqual(loc, at(f, 2, 3))
        XCTAssertEqual(msg, "step 'a' reads its own output (a → a)")
    }

    func testAxisUsedInTemplateButNotInForeach() {
        let f = Fixture()
        let (loc, msg) = expandError("""
        steps:
          a:
            foreach: { data: [1, 2] }
            command: train --depth {{ model.depth }} --out {{ out }}
        """, f)
        XCTAssertEqual(loc, at(f, 4, 14))
        XCTAssertEqual(msg, "unknown name 'model.depth' in '{{ model.depth }}'; 'model' is not an axis of step 'a'; "
            + "available: out, params_file, data")
    }

    func testUnknownParamInTemplate() {
        let f = Fixture()
        let (loc, msg) = expandError("steps:\n  a:\n    params: { lr: 0.1 }\n    command: train --lr {{ params.rl }}\n", f)
        XCTAssertEqual(loc, at(f, 4, 14))
        XCTAssertEqual(msg, "'{{ params.rl }}' names no parameter of step 'a'; did you mean 'lr'? params: 'lr'")
    }

    func testUndeclaredInputInTemplate() {
        let f = Fixture()
        let (loc, msg) = expandError("steps:\n  a: { command: echo }\n  b:\n    inputs: { ckpt: a }\n    command: cat {{ inputs.ckp }}\n", f)
        XCTAssertEqual(loc, at(f, 5, 14))
        XCTAssertEqual(msg, "'{{ inputs.ckp }}' names no declared input of step 'b'; did you mean 'ckpt'? inputs: 'ckpt'")
    }

    func testResumePlaceholderNeedsResumeTrue() {
        let f = Fixture()
        let (loc, msg) = expandError("steps:\n  a:\n    command: train --resume-from {{ resume }}\n", f)
        XCTAssertEqual(loc, at(f, 3, 14))
        XCTAssertEqual(msg, "'{{ resume }}' needs 'resume: true' in step 'a'")
    }

    func testMissingAxisAttribute() {
        let f = Fixture()
        let (loc, msg) = expandError("""
        models:
          resnet: { capacities: { r50: { depth: 50 } } }
        steps:
          a:
            foreach: { model: models }
            command: train --width {{ model.width }}
        """, f)
        XCTAssertEqual(loc, at(f, 6, 14))
        XCTAssertEqual(msg, "no value of axis 'model' has attribute 'width'; attributes: 'depth', 'kind', 'model', 'name'")
    }

    func testInputFromAStepWithAnAxisTheReaderLacks() {
        let f = Fixture()
        let (loc, msg) = expandError("""
        steps:
          pretrain: { foreach: { data: [10M, 30M], model: [r50] }, command: echo }
          eval:
            foreach: { model: [r50] }
            inputs: { ckpt: pretrain }
            command: echo
        """, f)
        XCTAssertEqual(loc, at(f, 5, 21))
        XCTAssertEqual(msg, "input 'ckpt' of step 'eval' reads step 'pretrain', which has axis 'data' that step 'eval' "
            + "does not have; add 'data' to its foreach or pin it with where: {data: VALUE}")
    }

    func testDownstreamNodeWhoseUpstreamWasFilteredOut() {
        let f = Fixture()
        let (loc, msg) = expandError("""
        steps:
          pretrain:
            foreach: { data: [10M, 30M] }
            exclude: [{ data: 30M }]
            command: echo
          eval:
            foreach: { data: [10M, 30M] }
            inputs: { ckpt: pretrain }
            command: echo
        """, f)
        XCTAssertEqual(loc, at(f, 8, 21))
        XCTAssertEqual(msg, "node 'eval/data=30M' reads input 'ckpt' from 'pretrain/data=30M', which 'exclude'/'only' removed "
            + "from step 'pretrain'; filter 'eval/data=30M' out as well or keep its upstream node")
    }

    func testWherePinWithAnUnknownValue() {
        let f = Fixture()
        let (loc, msg) = expandError("""
        steps:
          pretrain: { foreach: { data: [10M, 30M] }, command: echo }
          eval:
            inputs: { ckpt: { step: pretrain, where: { data: 300M } } }
            command: echo
        """, f)
        XCTAssertEqual(loc, at(f, 4, 54))
        XCTAssertEqual(msg, "'300M' is not a value of axis 'data' of step 'pretrain'; did you mean '30M'? values: '10M', '30M'")
    }

    func testDuplicateNodeNamesFromCapacitiesOfTwoModels() {
        let f = Fixture()
        let (loc, msg) = expandError("""
        models:
          resnet: { capacities: { small: {} } }
          vit: { capacities: { small: {} } }
        steps:
          a:
            foreach: { model: models }
            command: echo
        """, f)
        XCTAssertEqual(loc, at(f, 6, 23))
        XCTAssertEqual(msg, "axis 'model' of step 'a' takes the value 'small' twice (from models), so two nodes would share a name; "
            + "give the values distinct names or name one source, e.g. models.NAME")
    }

    func testAxisOfADifferentKindDoesNotMatch() {
        let f = Fixture()
        let (loc, msg) = expandError("""
        tasks: { t1: {} }
        steps:
          a: { foreach: { x: tasks }, command: echo }
          b: { foreach: { x: [t1] }, inputs: { i: a }, command: echo }
        """, f)
        XCTAssertEqual(loc, at(f, 4, 43))
        XCTAssertEqual(msg, "input 'i' of step 'b' matches axis 'x' of step 'a', which ranges over tasks there but over [t1] here; "
            + "an axis must range over the same kind of thing in both steps")
    }
}
