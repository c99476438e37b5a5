import Foundation
import XCTest
import XGraphCore
import XGraphTrainer

/// Class-split studies: pretraining must never see a downstream class or a downstream image.
final class ClassSplitTests: XCTestCase {
    private var dataset = ""

    override func setUpWithError() throws {
        dataset = try Fixtures.syntheticFashion(train: 800, test: 400)
    }

    private func run(_ name: String, _ params: [String: JSONValue], inputs: [String: String]) throws -> String {
        let out = try Fixtures.temporaryDirectory(name)
        try Builtins.run(name, context: BuiltinContext(params: .object(params), inputs: inputs, outputDirectory: out)) { _ in }
        return out
    }

    private func subset(size: Int, noise: Double, classes: JSONValue = .string("upstream")) throws -> String {
        try run("subset", ["data": .object(["kind": .string("subset"), "name": .string("s"), "size": .int(size), "seed": .int(3),
                                            "label_noise": .double(noise), "classes": classes])],
                inputs: ["dataset": dataset])
    }

    func testAnUpstreamSubsetHoldsNoDownstreamClassEvenInItsNoisyLabels() throws {
        let train = try FashionMNIST.load(.train, directory: dataset)
        let upstreamImages = train.labels.filter { Vocabulary.upstream.contains($0) }.count
        let out = try subset(size: upstreamImages, noise: 0.5)
        let indices = try NumpyArray.read(path: "\(out)/indices.npy").map { Int($0) }
        let labels = try NumpyArray.read(path: "\(out)/labels.npy").map { UInt8($0) }
        XCTAssertEqual(indices.count, upstreamImages, "every upstream image, and only those")
        XCTAssertTrue(indices.allSatisfy { Vocabulary.upstream.contains(train.labels[$0]) })
        XCTAssertTrue(labels.allSatisfy { Vocabulary.upstream.contains($0) }, "a wrong label is another upstream class")
        XCTAssertGreaterThan(zip(indices, labels).filter { train.labels[$0.0] != $0.1 }.count, upstreamImages / 3)
        let info = try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: "\(out)/subset.json")))
        XCTAssertEqual(info["classes"], .array(Vocabulary.upstream.map { .int(Int($0)) }))
        XCTAssertEqual(info["items"], .int(upstreamImages))
    }

    func testClassSplitDrawsStayNestedAndAllClassDrawsAreUnchanged() throws {
        let small = Set(try NumpyArray.read(path: "\(try subset(size: 100, noise: 0))/indices.npy"))
        let large = Set(try NumpyArray.read(path: "\(try subset(size: 300, noise: 0))/indices.npy"))
        XCTAssertTrue(small.isSubset(of: large))
        // With every class, a draw is the plain draw over all training images, as before classes existed.
        let all = try NumpyArray.read(path: "\(try subset(size: 300, noise: 0, classes: .string("all")))/indices.npy")
        XCTAssertEqual(all, SubsetDraw.indices(items: 800, size: 300, seed: 3, nested: true).map { UInt64($0) })
    }

    func testPretrainingOnUpstreamClassesHasAHeadOfTheirLabelsInItsVocabulary() throws {
        let data = try subset(size: 300, noise: 0)
        let model: JSONValue = .object(["kind": .string("capacity"), "width": .int(16), "depth": .int(1)])
        let fine = try run("pretrain", ["model": model, "epochs": .int(1), "min_steps": .int(0)], inputs: ["subset": data, "dataset": dataset])
        let coarse = try run("pretrain", ["model": model, "epochs": .int(1), "min_steps": .int(0), "vocabulary": .string("coarse")],
                             inputs: ["subset": data, "dataset": dataset])
        let f = try Checkpoint.read(path: "\(fine)/model.safetensors")
        let c = try Checkpoint.read(path: "\(coarse)/model.safetensors")
        XCTAssertEqual(f.model.classes, 6)
        XCTAssertEqual(f.vocabulary.classes, Vocabulary.upstream)
        // tops (T-shirt, coat), bottoms (trouser), footwear (sandal, ankle boot), bags.
        XCTAssertEqual(c.model.classes, 4)
        XCTAssertEqual(c.vocabulary.label(ofFine: 4), c.vocabulary.label(ofFine: 0))
        XCTAssertNil(c.vocabulary.label(ofFine: 2), "pullover is downstream")
        // Held-out accuracy is over the test images of the upstream classes only.
        let test = try FashionMNIST.load(.test, directory: dataset)
        XCTAssertEqual(Vocabulary(labels: .fine, classes: Vocabulary.upstream).rows(of: test).count,
                       test.labels.filter { Vocabulary.upstream.contains($0) }.count)
        XCTAssertNotNil(try Fixtures.metrics(fine)["test_accuracy"]?.doubleValue)
    }

    func testBadClassListsAreRefusedWithTheValidChoices() throws {
        for bad: JSONValue in [.string("held-out"), .array([.int(1)]), .array([.int(1), .int(1)]), .array([.int(0), .int(10)]), .int(3)] {
            XCTAssertThrowsError(try subset(size: 10, noise: 0, classes: bad)) { error in
                XCTAssertTrue("\(error)".contains("`classes` must be `all`, `upstream`"), "\(bad): \(error)")
            }
        }
    }
}
