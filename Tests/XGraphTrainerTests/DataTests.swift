import Foundation
import XCTest
import XGraphCore
import XGraphTrainer

final class DataTests: XCTestCase {
    func testParsesAHandMadeGzipIDXFile() throws {
        let dir = try Fixtures.temporaryDirectory()
        let path = "\(dir)/tiny-idx3-ubyte.gz"
        let pixels: [UInt8] = (0..<24).map { UInt8($0 * 10) }
        Fixtures.gzip(Fixtures.idx(dimensions: [2, 3, 4], bytes: pixels), to: path)
        let file = try IDXFile.read(path: path)
        XCTAssertEqual(file.dimensions, [2, 3, 4])
        XCTAssertEqual(file.bytes, pixels)
        XCTAssertEqual(try IDXFile(parsing: file.encoded(), path: "x"), file)
    }

    func testRejectsATruncatedIDXFile() throws {
        let dir = try Fixtures.temporaryDirectory()
        let path = "\(dir)/bad-idx1-ubyte.gz"
        Fixtures.gzip(Fixtures.idx(dimensions: [10], bytes: [1, 2, 3]), to: path)
        XCTAssertThrowsError(try IDXFile.read(path: path)) { error in
            XCTAssertTrue("\(error)".contains("promises 10 bytes"), "\(error)")
        }
    }

    func testLoadsAFashionMNISTFolderAsFloatsInZeroOne() throws {
        let dir = try Fixtures.syntheticFashion(train: 30, test: 20)
        let train = try FashionMNIST.load(.train, directory: dir)
        XCTAssertEqual(train.count, 30)
        XCTAssertEqual(train.dimension, 784)
        XCTAssertTrue(train.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertTrue(train.pixels.contains { $0 > 0.7 })
        XCTAssertEqual(try FashionMNIST.load(.test, directory: dir).count, 20)
    }

    func testRealFashionMNISTHeadersAndCounts() throws {
        try XCTSkipUnless(Fixtures.hasRealFashion, "dataset-fashion-mnist is not installed")
        let dir = Fixtures.realFashion
        let trainLabels = try IDXFile.read(path: "\(dir)/train-labels-idx1-ubyte.gz")
        XCTAssertEqual(trainLabels.dimensions, [60000])
        let testLabels = try IDXFile.read(path: "\(dir)/t10k-labels-idx1-ubyte.gz")
        XCTAssertEqual(testLabels.dimensions, [10000])
        // The test split is balanced: 1000 images per class.
        XCTAssertEqual((0..<10).map { c in testLabels.bytes.filter { $0 == c }.count }, Array(repeating: 1000, count: 10))
        let testImages = try IDXFile.read(path: "\(dir)/t10k-images-idx3-ubyte.gz")
        XCTAssertEqual(testImages.dimensions, [10000, 28, 28])
    }

    func testMissingDatasetNamesThePathAndThePackage() {
        XCTAssertThrowsError(try FashionMNIST.load(.train, directory: "/nonexistent/fashion")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("/nonexistent/fashion/train-images-idx3-ubyte.gz"), message)
            XCTAssertTrue(message.contains("apt-get install dataset-fashion-mnist"), message)
        }
    }

    func testCoarseLabelsGroupTheTenClassesIntoFour() {
        XCTAssertEqual((0..<10).map { LabelSet.coarse.label(ofFine: UInt8($0)) }, [0, 1, 0, 1, 0, 2, 0, 2, 3, 2])
        XCTAssertEqual((0..<10).map { LabelSet.fine.label(ofFine: UInt8($0)) }, (0..<10).map { Int32($0) })
    }

    func testNumpyFilesRoundTripWithAlignedHeader() throws {
        let values: [UInt64] = [0, 1, 59999, 4_000_000_000]
        let bytes = NumpyArray.encode(values, as: .uint32)
        XCTAssertEqual(Array(bytes[0..<8]), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<u4', 'fortran_order': False, 'shape': (4,), }"), header)
        XCTAssertTrue(header.hasSuffix("\n"))
        XCTAssertEqual(bytes.count, 10 + headerLength + 16)
        XCTAssertEqual(try NumpyArray.decode(bytes, path: "x"), values)
        XCTAssertEqual(try NumpyArray.decode(NumpyArray.encode([3, 255], as: .uint8), path: "x"), [3, 255])
    }
}
