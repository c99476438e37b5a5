import Foundation
import XGraphCore

/// builtin:subset — draws a (nested) random subset of a data set's items, with optional
/// label noise when the data set is labelled (Fashion-MNIST's training split).
enum SubsetStep {
    static func run(_ context: BuiltinContext, _ params: BuiltinParams, log: (String) -> Void) throws {
        // Any data set can be subset by item count: a folder or a single file (a list of paths,
        // a tar shard index). Only Fashion-MNIST's folder also gives labels to add noise to.
        let dir = try context.requiredInput("dataset", builtin: "subset", holding: "the data set to draw items from")
        var isDirectory: ObjCBool = false
        let labelled = FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory)
            && isDirectory.boolValue && FashionMNIST.isPresent(directory: dir)
        let size = try params.int("size", axis: "subset", default: nil, min: 1)
        let seed = try params.seed(axis: "subset")
        let nested = try params.bool("nested", axis: "subset", default: true)
        let noise = try params.double("label_noise", axis: "subset", default: 0, in: 0...1)
        let items: Int
        let trainLabels = labelled ? try FashionMNIST.labels(.train, directory: dir) : []
        if labelled {
            items = try params.int("items", axis: "subset", default: trainLabels.count, min: 1)
            guard items <= trainLabels.count else {
                throw params.error("items", "is \(items), but the training split in \(dir) has \(trainLabels.count) images")
            }
        } else {
            items = try params.int("items", axis: "subset", default: nil, min: 1)
        }
        guard size <= items else { throw params.error("size", "is \(size), larger than the \(items) items to draw from") }
        guard noise == 0 || labelled else {
            throw params.error("label_noise", "needs a labelled data set (Fashion-MNIST IDX files), and \(dir) has none")
        }

        let indices = SubsetDraw.indices(items: items, size: size, seed: seed, nested: nested)
        try (indices.map(String.init).joined(separator: "\n") + "\n")
            .write(toFile: context.output("indices.txt"), atomically: true, encoding: .utf8)
        try NumpyArray.write(indices.map(UInt64.init), as: .uint32, to: context.output("indices.npy"))

        var info: [String: JSONValue] = [
            "size": .int(size), "seed": .int(Int(seed)), "nested": .bool(nested),
            "items": .int(items), "label_noise": .double(noise),
        ]
        var metrics: [String: JSONValue] = ["size": .int(size), "items": .int(items)]
        if labelled {
            var flipped = 0
            let labels = indices.map { i -> UInt64 in
                let clean = trainLabels[Int(i)]
                let noisy = SubsetDraw.noisyLabel(item: Int(i), label: clean, classes: FashionMNIST.classes, rate: noise, seed: seed)
                if noisy != clean { flipped += 1 }
                return UInt64(noisy)
            }
            if noise > 0 {
                try NumpyArray.write(labels, as: .uint8, to: context.output("labels.npy"))
            }
            let realised = Double(flipped) / Double(size)
            metrics["label_noise"] = .double(realised)
            info["label_noise_realised"] = .double(realised)
            log("subset: \(size) of \(items) items (seed \(seed), \(nested ? "nested" : "independent")), \(flipped) labels changed")
        } else {
            log("subset: \(size) of \(items) items (seed \(seed), \(nested ? "nested" : "independent"))")
        }
        try JSONValue.object(info).canonicalData.write(to: URL(fileURLWithPath: context.output("subset.json")), options: .atomic)
        try MetricsFile.write(metrics, to: context)
    }

    /// A subset folder's indices and, when it carries label noise, its labels.
    static func read(folder: String) throws -> (indices: [Int], labels: [UInt8]?) {
        let indexPath = (folder as NSString).appendingPathComponent("indices.npy")
        guard FileManager.default.fileExists(atPath: indexPath) else {
            throw XGraphError.io("\(folder) is not a subset output: it has no indices.npy")
        }
        let indices = try NumpyArray.read(path: indexPath).map { Int($0) }
        let labelPath = (folder as NSString).appendingPathComponent("labels.npy")
        guard FileManager.default.fileExists(atPath: labelPath) else { return (indices, nil) }
        let labels = try NumpyArray.read(path: labelPath)
        guard labels.count == indices.count, labels.allSatisfy({ $0 < UInt64(FashionMNIST.classes) }) else {
            throw XGraphError.io("\(labelPath) must hold one label in 0..<\(FashionMNIST.classes) per index (\(indices.count))")
        }
        return (indices, labels.map { UInt8($0) })
    }
}
