import Foundation
import SpecFixtures
import XCTest
import XGraphCore
import XGraphSpec

/// The grid over several datasets (`foreach: { source: datasets, data: source.subsets }`,
/// `inputs: { dataset: "datasets.{{ source }}" }`): what it loads to and its errors.
final class MultiDatasetSpecTests: XCTestCase {
    let head = """
    datasets:
      jft:  { path: /data/jft, fingerprint: stat, items: 300M }
      inet: { path: /data/inet, fingerprint: stat, items: 14M }
    subsets:
      jft:  { dataset: jft, sizes: [1M, 10M] }
      inet: { dataset: inet, sizes: [1M, 10M] }
    models:
      resnet: { capacities: { r50: {depth: 50} } }
    steps:
      subset:
        run: builtin:subset

    """

    func at(_ f: Fixture, _ line: Int, _ column: Int) -> SourceLocation {
        SourceLocation(file: f.dir + "/exp.yaml", line: line, column: column)
    }

    func testTheGridFormLoads() throws {
        let s = try Fixture().load(head + """
            foreach: { source: datasets.jft, data: source.subsets }
            inputs: { dataset: "datasets.{{ source }}" }
            exclude: { data: 10M }
        """)
        let step = try XCTUnwrap(s.step(named: "subset"))
        XCTAssertEqual(step.foreach.map(\.source), [.datasets("jft"), .subsetsOf(axis: "source", datasets: "jft")])
        XCTAssertEqual(step.foreach[1].source.description, "source.subsets")
        XCTAssertEqual(step.foreach[1].source.kind, "subset")
        guard case .datasetOnAxis("source") = step.inputs[0].ref else { return XCTFail("\(step.inputs[0].ref)") }
    }

    func testSubsetsOfAnUnknownAxisListsTheDatasetAxes() {
        let f = Fixture()
        let (loc, msg) = f.loadError(head + "    foreach: { source: datasets, data: sorce.subsets }\n")
        XCTAssertEqual(loc, at(f, 12, 40))
        XCTAssertEqual(msg, "axis source 'sorce.subsets' names no axis 'sorce' of step 'subset'; did you mean 'source'? "
            + "axes over datasets: 'source' (AXIS.subsets ranges over the subsets of the datasets on axis AXIS)")
    }

    func testSubsetsOfAnAxisThatIsNotOverDatasetsIsAnError() {
        let f = Fixture()
        let (loc, msg) = f.loadError(head + "    foreach: { model: models.resnet, data: model.subsets }\n")
        XCTAssertEqual(loc, at(f, 12, 44))
        XCTAssertEqual(msg, "axis source 'model.subsets' needs axis 'model' to range over datasets, but it ranges over "
            + "models.resnet; write e.g. foreach: { source: datasets, data: source.subsets }")
    }

    func testSubsetsOfADatasetWithoutSubsetsIsAnError() {
        let f = Fixture()
        let (loc, msg) = f.loadError(head.replacingOccurrences(of: "subsets:\n", with: "  h: { path: /h }\nsubsets:\n")
            + "    foreach: { source: datasets.h, data: source.subsets }\n")
        XCTAssertEqual(loc, at(f, 13, 42))
        XCTAssertEqual(msg, "axis source 'source.subsets' takes no value: no subset is declared for dataset h "
            + "(subsets are declared for jft, inet)")
    }

    func testADatasetInputOnAnAxisThatIsNotOverDatasetsIsAnError() {
        let f = Fixture()
        let (loc, msg) = f.loadError(head + """
            foreach: { model: models.resnet }
            inputs: { dataset: "datasets.{{ model }}" }
        """)
        XCTAssertEqual(loc, at(f, 13, 24))
        XCTAssertEqual(msg, "input 'dataset' reads 'datasets.{{ model }}', but axis 'model' of step 'subset' ranges over "
            + "models.resnet, not datasets; axes over datasets: none")
    }

    func testADatasetInputOnAnUnknownAxisIsAnError() {
        let f = Fixture()
        let (loc, msg) = f.loadError(head + """
            foreach: { source: datasets }
            inputs: { dataset: "datasets.{{ sorce }}" }
        """)
        XCTAssertEqual(loc, at(f, 13, 24))
        XCTAssertEqual(msg, "input 'dataset' reads 'datasets.{{ sorce }}', but step 'subset' has no axis 'sorce'; "
            + "did you mean 'source'? axes over datasets: 'source'")
    }
}
