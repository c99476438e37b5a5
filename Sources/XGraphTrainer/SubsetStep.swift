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
        let noiseLabels = LabelSet(rawValue: try params.choice(
            "vocabulary", axis: "subset", allowed: LabelSet.allCases.map(\.rawValue), default: LabelSet.fine.rawValue)) ?? .fine
        let items: Int
        let trainLabels = labelled ? try FashionMNIST.labels(.train, directory: dir) : []
        let classes = try Vocabulary.classes(params, axis: "subset")
        guard labelled || classes == Vocabulary.all else {
            throw params.error("classes", "needs a labelled data set (Fashion-MNIST IDX files), and \(dir) has none")
        }
        if labelled {
            items = try params.int("items", axis: "subset", default: trainLabels.count, min: 1)
            guard items <= trainLabels.count else {
                throw params.error("items", "is \(items), but the training split in \(dir) has \(trainLabels.count) images")
            }
        } else {
            items = try params.int("items", axis: "subset", default: nil, min: 1)
        }
        // With some classes left out, a draw picks positions in the list of the first `items`
        // training images of the included classes. With all of them that list would be 0..<items,
        // so it is never built: draws stay O(size) on a 300M-item folder and are as they were
        // before classes existed.
        let pool: [Int]? = classes == Vocabulary.all ? nil : (0..<items).filter { classes.contains(trainLabels[$0]) }
        let available = pool?.count ?? items
        guard size <= available else {
            let which = classes == Vocabulary.all ? "" : " of classes \(classes.map(String.init).joined(separator: ", "))"
            throw params.error("size", "is \(size), larger than the \(available) items\(which) to draw from")
        }
        guard noise == 0 || labelled else {
            throw params.error("label_noise", "needs a labelled data set (Fashion-MNIST IDX files), and \(dir) has none")
        }

        let positions = SubsetDraw.indices(items: available, size: size, seed: seed, nested: nested)
        let indices = pool.map { pool in positions.map { UInt32(pool[Int($0)]) } } ?? positions
        try (indices.map(String.init).joined(separator: "\n") + "\n")
            .write(toFile: context.output("indices.txt"), atomically: true, encoding: .utf8)
        try NumpyArray.write(indices.map(UInt64.init), as: .uint32, to: context.output("indices.npy"))

        var info: [String: JSONValue] = [
            "size": .int(size), "seed": .int(Int(seed)), "nested": .bool(nested),
            "items": .int(available), "label_noise": .double(noise),
        ]
        if classes != Vocabulary.all { info["classes"] = .array(classes.map { .int(Int($0)) }) }
        if noiseLabels != .fine { info["vocabulary"] = .string(noiseLabels.rawValue) }
        var metrics: [String: JSONValue] = ["size": .int(size), "items": .int(available)]
        if labelled {
            // Noise is drawn in the vocabulary pretraining will learn: drawn among fine classes,
            // a flip inside one coarse group (coat → T-shirt) vanishes when pretrain maps fine
            // labels to coarse ones, and the coarse arm would see less noise than it was given.
            let noiseVocabulary = Vocabulary(labels: noiseLabels, classes: classes)
            var flipped = 0
            let labels = indices.map { i -> UInt64 in
                let clean = trainLabels[Int(i)]
                let noisy = noiseVocabulary.noisyClass(of: clean, item: Int(i), rate: noise, seed: seed)
                if noiseVocabulary.label(ofFine: noisy) != noiseVocabulary.label(ofFine: clean) { flipped += 1 }
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

    /// A subset folder's indices, its labels when it carries label noise, and the classes it
    /// was drawn from (subset.json's `classes`; every class when absent).
    static func read(folder: String) throws -> (indices: [Int], labels: [UInt8]?, classes: [UInt8]) {
        let indexPath = (folder as NSString).appendingPathComponent("indices.npy")
        guard FileManager.default.fileExists(atPath: indexPath) else {
            throw XGraphError.io("\(folder) is not a subset output: it has no indices.npy")
        }
        let indices = try NumpyArray.read(path: indexPath).map { Int($0) }
        let classes = try readClasses(folder: folder)
        let labelPath = (folder as NSString).appendingPathComponent("labels.npy")
        guard FileManager.default.fileExists(atPath: labelPath) else { return (indices, nil, classes) }
        let labels = try NumpyArray.read(path: labelPath)
        guard labels.count == indices.count, labels.allSatisfy({ $0 < UInt64(FashionMNIST.classes) }) else {
            throw XGraphError.io("\(labelPath) must hold one label in 0..<\(FashionMNIST.classes) per index (\(indices.count))")
        }
        return (indices, labels.map { UInt8($0) }, classes)
    }

    private static func readClasses(folder: String) throws -> [UInt8] {
        let path = (folder as NSString).appendingPathComponent("subset.json")
        guard let data = FileManager.default.contents(atPath: path) else { return Vocabulary.all }
        guard case .object(let info) = try JSONValue.parse(data) else { throw XGraphError.io("\(path) is not a JSON object") }
        guard let list = info["classes"] else { return Vocabulary.all }
        let classes = list.arrayValue?.compactMap { $0.intValue.flatMap { (0..<FashionMNIST.classes).contains($0) ? UInt8($0) : nil } }
        guard let classes, classes.count == list.arrayValue?.count, classes.count >= 2 else {
            throw XGraphError.io("\(path): `classes` must list Fashion-MNIST classes 0–9, got \(list.canonical)")
        }
        return classes
    }
}
