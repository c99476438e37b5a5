import CZlib
import Foundation
import XCTest
import XGraphCore
@testable import XGraphTrainer

enum Fixtures {
    static func temporaryDirectory(_ name: String = #function) throws -> String {
        let path = NSTemporaryDirectory() + "xgraph-trainer-\(name.filter(\.isLetter))-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes `bytes` gzip-compressed with zlib directly, independent of the code under test.
    static func gzip(_ bytes: [UInt8], to path: String) {
        let f = gzopen(path, "wb")!
        _ = bytes.withUnsafeBytes { gzwrite(f, $0.baseAddress, UInt32($0.count)) }
        gzclose(f)
    }

    static func idx(dimensions: [Int], bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for d in dimensions { out += [UInt8(d >> 24 & 0xff), UInt8(d >> 16 & 0xff), UInt8(d >> 8 & 0xff), UInt8(d & 0xff)] }
        return out + bytes
    }

    /// A small Fashion-MNIST look-alike: class c lights up rows 2c...2c+2 of a 28×28 image
    /// over random background noise, so an MLP learns it in a few steps.
    static func syntheticFashion(train: Int = 600, test: Int = 400, seed: UInt64 = 7) throws -> String {
        let dir = try temporaryDirectory("synthetic")
        var rng = SplitMix64(seed: seed)
        for (prefix, count) in [("train", train), ("t10k", test)] {
            var pixels: [UInt8] = []
            var labels: [UInt8] = []
            for _ in 0..<count {
                let c = Int(rng.next(below: 10))
                labels.append(UInt8(c))
                for row in 0..<28 {
                    for _ in 0..<28 {
                        let lit = row >= 2 * c && row < 2 * c + 3
                        pixels.append(UInt8(rng.next(below: 60)) + (lit ? 180 : 0))
                    }
                }
            }
            gzip(idx(dimensions: [count, 28, 28], bytes: pixels), to: "\(dir)/\(prefix)-images-idx3-ubyte.gz")
            gzip(idx(dimensions: [count], bytes: labels), to: "\(dir)/\(prefix)-labels-idx1-ubyte.gz")
        }
        return dir
    }

    static func metrics(_ dir: String) throws -> JSONValue {
        try JSONValue.parse(Data(contentsOf: URL(fileURLWithPath: "\(dir)/metrics.json")))
    }

    static let realFashion = FashionMNIST.defaultDirectory
    static var hasRealFashion: Bool { FashionMNIST.isPresent(directory: realFashion) }
}
