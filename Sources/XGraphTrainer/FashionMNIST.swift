import Foundation
import Synchronization
import XGraphCore

/// Images as the trainer consumes them: `count` rows of `dimension` Float32 pixels in [0, 1]
/// (row-major, byte / 255), with one class label per row.
public struct ImageSet: Sendable {
    public let count: Int
    public let dimension: Int
    public let pixels: [Float]
    public let labels: [UInt8]

    public init(count: Int, dimension: Int, pixels: [Float], labels: [UInt8]) {
        precondition(pixels.count == count * dimension && labels.count == count)
        self.count = count
        self.dimension = dimension
        self.pixels = pixels
        self.labels = labels
    }
}

/// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) as Debian's `dataset-fashion-mnist` installs it:
/// `{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`, 60 000 training and 10 000 test images
/// of 28×28 grey pixels in 10 classes.
public enum FashionMNIST {
    public static let defaultDirectory = BuiltinSteps.fashionMNISTDirectory
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
    public static let classes = 10

    public enum Split: String, Sendable, CaseIterable {
        case train
        case test

        /// The prefix of the split's files.
        var filePrefix: String { self == .train ? "train" : "t10k" }
    }

    /// Decoding the 26 MB training file takes a noticeable fraction of a second, and a builtin
    /// may ask for a split more than once, so each (folder, split) is loaded once per process.
    private static let cache = Mutex<[String: ImageSet]>([:])

    /// The path of one of a split's files, preferring the `.gz` that Debian installs and
    /// accepting an already-decompressed copy.
    static func file(_ kind: String, split: Split, directory: String) -> String? {
        let base = (directory as NSString).appendingPathComponent("\(split.filePrefix)-\(kind)-ubyte")
        for candidate in [base + ".gz", base] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        return nil
    }

    /// Whether `directory` holds the training split (images and labels).
    public static func isPresent(directory: String) -> Bool {
        file("images-idx3", split: .train, directory: directory) != nil
            && file("labels-idx1", split: .train, directory: directory) != nil
    }

    public static func load(_ split: Split, directory: String = defaultDirectory) throws -> ImageSet {
        let key = (directory as NSString).standardizingPath + "\u{0}" + split.rawValue
        return try cache.withLock { cache in
            if let hit = cache[key] { return hit }
            let set = try decode(split, directory: directory)
            cache[key] = set
            return set
        }
    }

    /// Only a split's labels (10 000s of bytes), for steps that never look at pixels.
    public static func labels(_ split: Split, directory: String = defaultDirectory) throws -> [UInt8] {
        let labelPath = try require("labels-idx1", split: split, directory: directory)
        let labels = try IDXFile.read(path: labelPath)
        guard labels.dimensions.count == 1 else {
            throw XGraphError.io("\(labelPath): expected a 1-dimensional IDX array of labels, found shape \(labels.dimensions)")
        }
        if let bad = labels.bytes.first(where: { Int($0) >= classes }) {
            throw XGraphError.io("\(labelPath): label \(bad) is outside 0..<\(classes)")
        }
        return labels.bytes
    }

    private static func require(_ kind: String, split: Split, directory: String) throws -> String {
        if let path = file(kind, split: split, directory: directory) { return path }
        let expected = (directory as NSString).appendingPathComponent("\(split.filePrefix)-\(kind)-ubyte.gz")
        throw XGraphError.io("Fashion-MNIST file \(expected) not found; install it with `apt-get install dataset-fashion-mnist` (or point the step's `dataset` input at a folder holding the IDX files)")
    }

    private static func decode(_ split: Split, directory: String) throws -> ImageSet {
        let imagePath = try require("images-idx3", split: split, directory: directory)
        let labelPath = try require("labels-idx1", split: split, directory: directory)
        let images = try IDXFile.read(path: imagePath)
        let labels = try IDXFile.read(path: labelPath)
        guard images.dimensions.count == 3 else {
            throw XGraphError.io("\(imagePath): expected a 3-dimensional IDX array (count, rows, cols), found shape \(images.dimensions)")
        }
        guard labels.dimensions.count == 1, labels.dimensions[0] == images.dimensions[0] else {
            throw XGraphError.io("\(labelPath): expected \(images.dimensions[0]) labels to match \(imagePath), found shape \(labels.dimensions)")
        }
        if let bad = labels.bytes.first(where: { Int($0) >= classes }) {
            throw XGraphError.io("\(labelPath): label \(bad) is outside 0..<\(classes)")
        }
        let count = images.dimensions[0]
        let dimension = images.dimensions[1] * images.dimensions[2]
        let scale: Float = 1 / 255
        let pixels = images.bytes.map { Float($0) * scale }
        return ImageSet(count: count, dimension: dimension, pixels: pixels, labels: labels.bytes)
    }
}
