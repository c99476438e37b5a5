import Foundation
import XCTest
import XGraphCore
import XGraphTrainer

final class SafetensorsTests: XCTestCase {
    func testRoundTripAndByteLayout() throws {
        let file = SafetensorsFile(entries: [
            .init(name: "a.weight", tensor: Tensor(shape: [2, 3], values: [1, -2, 3.5, 0, .pi, -0])),
            .init(name: "a.bias", tensor: Tensor(shape: [2], values: [0.25, -7])),
        ], metadata: ["width": "3"])
        let bytes = file.encoded()
        var headerLength = 0
        for i in (0..<8).reversed() { headerLength = headerLength << 8 | Int(bytes[i]) }
        XCTAssertEqual(headerLength % 8, 0)
        XCTAssertEqual(bytes.count, 8 + headerLength + 4 * 8)
        let header = try JSONValue.parse(Data(bytes[8..<(8 + headerLength)]))
        XCTAssertEqual(header["a.weight"]?["data_offsets"], .array([.int(0), .int(24)]))
        XCTAssertEqual(header["a.bias"]?["data_offsets"], .array([.int(24), .int(32)]))
        XCTAssertEqual(header["a.bias"]?["dtype"], .string("F32"))
        XCTAssertEqual(header["a.weight"]?["shape"], .array([.int(2), .int(3)]))
        XCTAssertEqual(header["__metadata__"]?["width"], .string("3"))
        // The first value, 1.0f, little-endian.
        XCTAssertEqual(Array(bytes[(8 + headerLength)..<(12 + headerLength)]), [0x00, 0x00, 0x80, 0x3f])

        let decoded = try SafetensorsFile(decoding: bytes)
        XCTAssertEqual(decoded, file)
        XCTAssertEqual(decoded.encoded(), bytes)
    }

    func testRejectsOffsetsThatDoNotMatchTheShape() {
        var bytes = SafetensorsFile(entries: [.init(name: "t", tensor: Tensor(shape: [2], values: [1, 2]))]).encoded()
        bytes.removeLast(4)
        XCTAssertThrowsError(try SafetensorsFile(decoding: bytes, path: "m.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("m.safetensors"), "\(error)")
        }
    }

    func testCheckpointUsesPyTorchSequentialNamesAndRoundTrips() throws {
        let model = MLP(inputSize: 784, width: 16, depth: 2, classes: 4, seed: 3)
        let checkpoint = Checkpoint(model: model, labels: .coarse)
        let file = checkpoint.safetensors
        XCTAssertEqual(file.entries.map(\.name), ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
                                                  "layers.4.weight", "layers.4.bias"])
        XCTAssertEqual(file["layers.0.weight"]?.shape, [16, 784])
        XCTAssertEqual(file["layers.4.weight"]?.shape, [4, 16])
        XCTAssertEqual(file.metadata["depth"], "2")
        XCTAssertEqual(file.metadata["width"], "16")
        XCTAssertEqual(file.metadata["classes"], "4")
        XCTAssertEqual(file.metadata["format_version"], String(Checkpoint.formatVersion))

        let path = try Fixtures.temporaryDirectory() + "/model.safetensors"
        try checkpoint.write(to: path)
        XCTAssertEqual(try Checkpoint.read(path: path), checkpoint)
    }

    func testANewerCheckpointFormatIsRefusedWithAClearMessage() {
        var file = Checkpoint(model: MLP(inputSize: 4, width: 3, depth: 1, classes: 2, seed: 0), labels: .fine).safetensors
        file.metadata["format_version"] = String(Checkpoint.formatVersion + 1)
        XCTAssertThrowsError(try Checkpoint(file, path: "new.safetensors")) { error in
            XCTAssertTrue("\(error)".contains("upgrade xgraph"), "\(error)")
        }
    }
}
