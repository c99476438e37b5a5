import Foundation
import XGraphCore
import Yams

/// Turns the collected declarations into spec values once every file is read, so references
/// can be checked against all names whichever file declares them.
struct SpecBuilder {
    let collected: SpecLoader.Collected
    var datasets: [DatasetSpec] = []
    var subsets: [SubsetSpec] = []
    var models: [ModelSpec] = []
    var tasks: [TaskSpec] = []
    var datasetIndex: [String: Int] = [:]
    var subsetIndex: [String: Int] = [:]
    var modelIndex: [String: Int] = [:]
    var taskIndex: [String: Int] = [:]
    /// File-level `axes:`: one list of values that several steps name (`foreach: { seed: axes.seed }`).
    var namedAxes: [String: [LiteralValue]] = [:]

    init(collected: SpecLoader.Collected) { self.collected = collected }

    func declarations(_ section: String) -> [SpecLoader.Declaration] { collected.sections[section] ?? [] }

    mutating func build(rootFile: String) throws -> Spec {
        for d in declarations("datasets") {
            datasetIndex[d.entry.key] = datasets.count
            datasets.append(try dataset(d))
        }
        for d in declarations("subsets") {
            subsetIndex[d.entry.key] = subsets.count
            subsets.append(try subset(d))
        }
        for d in declarations("models") {
            modelIndex[d.entry.key] = models.count
            models.append(try model(d))
        }
        for d in declarations("tasks") {
            taskIndex[d.entry.key] = tasks.count
            tasks.append(try task(d))
        }
        for d in declarations("axes") {
            guard SpecBuilder.isIdentifier(d.entry.key) else {
                throw d.reader.fail(d.entry.keyNode, "axis name '\(d.entry.key)' must be an identifier (letters, digits, '_')")
            }
            namedAxes[d.entry.key] = try literalValues(d.entry.value, r: d.reader)
        }
        let stepNames = declarations("steps").map(\.entry.key)
        let fileContainer = try collected.container.map { try container($0.entry.value, r: $0.reader) }
        let steps = try declarations("steps").map { try step($0, allSteps: stepNames, fileContainer: fileContainer) }
        var spec = Spec(file: rootFile, files: collected.files, datasets: datasets, subsets: subsets,
                        models: models, tasks: tasks, steps: steps)
        if let d = collected.executor {
            let (kind, profile) = try executor(d.entry.value, r: d.reader)
            spec.executor = kind
            spec.slurm = profile
            spec.executorLocation = d.reader.location(d.entry.value)
        }
        if let d = collected.remote { spec.remote = try remote(d.entry.value, r: d.reader) }
        return spec
    }

    static let nameCharacters = "letters, digits, '_', '-' and '.'"

    static func isName(_ s: String) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
    }

    func checkName(_ d: SpecLoader.Declaration, _ what: String) throws {
        guard SpecBuilder.isName(d.entry.key) else {
            throw d.reader.fail(d.entry.keyNode, "\(what) name '\(d.entry.key)' may only hold \(SpecBuilder.nameCharacters)")
        }
    }

    // MARK: datasets

    static let datasetKeys = ["path", "source", "fingerprint", "version", "items", "attrs"]

    func dataset(_ d: SpecLoader.Declaration) throws -> DatasetSpec {
        let r = d.reader, name = d.entry.key
        try checkName(d, "dataset")
        let keys = try r.mapping(d.entry.value, "dataset '\(name)'", validKeys: SpecBuilder.datasetKeys)
        let dir = (r.file as NSString).deletingLastPathComponent
        var path: String
        var items: Int?
        var fingerprint = DatasetFingerprint.content
        var source: String?
        switch (keys["path"], keys["source"]) {
        case (let p?, nil):
            path = SpecLoader.absolutePath(try r.path(p.value, "path"), relativeTo: dir)
        case (nil, let s?):
            let text = try r.string(s.value, "source")
            let valid = Builtins.datasets.keys.sorted().map { "builtin:\($0)" }
            guard text.hasPrefix("builtin:"), let b = Builtins.datasets[String(text.dropFirst(8))] else {
                throw r.fail(s.value, "unknown dataset source '\(text)'"
                    + NameSuggestions.didYouMean(text, in: valid) + " valid sources: " + valid.joined(separator: ", "))
            }
            source = text
            path = b.path
            items = b.items
            fingerprint = .stat
        case (_?, _?):
            throw r.fail(d.entry.keyNode, "dataset '\(name)' has both 'path' and 'source'; give one")
        case (nil, nil):
            throw r.fail(d.entry.keyNode, "dataset '\(name)' needs 'path' (a file or folder) or 'source' (builtin:fashion-mnist)")
        }
        if let i = keys["items"] { items = try r.size(i.value, "items").count }
        let version = try keys["version"].map { e -> String in
            guard case .scalar(let s) = e.value, !r.isNull(e.value) else {
                throw r.fail(e.value, "'version' must be a string such as \"2026-01\", found \(r.describe(e.value))")
            }
            return s.string
        }
        if let f = keys["fingerprint"] {
            switch try r.string(f.value, "fingerprint") {
            case "content": fingerprint = .content
            case "stat": fingerprint = .stat
            case "version":
                guard let version else {
                    throw r.fail(f.value, "fingerprint: version needs 'version: \"...\"' in dataset '\(name)'")
                }
                fingerprint = .version(version)
            case let other:
                throw r.fail(f.value, "unknown fingerprint '\(other)'"
                    + NameSuggestions.didYouMean(other, in: ["content", "stat", "version"])
                    + " valid: content (hash every file), stat (paths, sizes, mtimes), version (a string you bump)")
            }
        } else if let version {
            // A version alone says how the user wants the data tracked.
            fingerprint = .version(version)
        }
        if case .version = fingerprint {} else if let v = keys["version"] {
            throw r.fail(v.keyNode, "'version' is only used with fingerprint: version")
        }
        let attrs = try r.jsonObject(keys["attrs"]?.value, "'attrs'")
        for reserved in ["kind", "name"] where attrs[reserved] != nil {
            throw r.fail(keys["attrs"]!.value, "attribute '\(reserved)' is reserved in dataset '\(name)'")
        }
        return DatasetSpec(name: name, path: path, fingerprint: fingerprint, items: items, source: source,
                           attributes: attrs, location: r.location(d.entry.keyNode))
    }

    // MARK: subsets

    static let subsetKeys = ["dataset", "sizes", "nested", "seed", "label_noise", "items"]

    func subset(_ d: SpecLoader.Declaration) throws -> SubsetSpec {
        let r = d.reader, name = d.entry.key
        try checkName(d, "subset")
        let keys = try r.mapping(d.entry.value, "subset '\(name)'", validKeys: SpecBuilder.subsetKeys)
        guard let ds = keys["dataset"] else {
            throw r.fail(d.entry.keyNode, "subset '\(name)' needs 'dataset:' naming one of the datasets: "
                + NameSuggestions.list(datasets.map(\.name)))
        }
        let dsName = try r.string(ds.value, "dataset")
        // A subset may also be drawn from a step's output (data a step generates): then the
        // item count must be given, as the output does not exist when the grid is planned.
        let steps = declarations("steps").map(\.entry.key)
        let fromStep = datasetIndex[dsName] == nil && steps.contains(dsName)
        guard datasetIndex[dsName] != nil || fromStep else {
            throw r.fail(ds.value, "undefined dataset '\(dsName)'" + NameSuggestions.didYouMean(dsName, in: datasets.map(\.name) + steps)
                + " datasets: " + NameSuggestions.list(datasets.map(\.name))
                + "; a subset may also be drawn from a step's output: dataset: STEP, with items: N")
        }
        var stepItems: Int?
        if let it = keys["items"] {
            guard fromStep else {
                throw r.fail(it.keyNode, "'items' of subset '\(name)' belongs on dataset '\(dsName)'; a subset gives it only "
                    + "when it is drawn from a step's output")
            }
            stepItems = try r.int(it.value, "items")
            guard (stepItems ?? 0) > 0 else { throw r.fail(it.value, "'items' must be positive") }
        } else if fromStep {
            throw r.fail(ds.value, "subset '\(name)' is drawn from the output of step '\(dsName)', whose size is unknown "
                + "until it runs: give items: N (how many items that output holds)")
        }
        let datasetItems = datasetIndex[dsName].flatMap { datasets[$0].items } ?? stepItems
        guard let sz = keys["sizes"] else {
            throw r.fail(d.entry.keyNode, "subset '\(name)' needs 'sizes:', a list such as [10M, 30M, 100M]")
        }
        var sizes: [SubsetSize] = []
        for item in try r.sequence(sz.value, "sizes") {
            let (label, count) = try r.size(item, "sizes")
            guard count > 0 else { throw r.fail(item, "a subset size must be positive, found \(label)") }
            if let items = datasetItems, count > items {
                throw r.fail(item, "subset size \(label) exceeds the \(SizeLabel.format(items)) items of "
                    + (fromStep ? "step '\(dsName)''s output" : "dataset '\(dsName)'"))
            }
            if sizes.contains(where: { $0.label == label }) {
                throw r.fail(item, "size \(label) is listed twice in subset '\(name)'")
            }
            sizes.append(SubsetSize(label: label, count: count, location: r.location(item)))
        }
        guard !sizes.isEmpty else { throw r.fail(sz.value, "'sizes' of subset '\(name)' is empty") }
        let nested = try keys["nested"].map { try r.bool($0.value, "nested") } ?? true
        let seed = try keys["seed"].map { try r.int($0.value, "seed") } ?? 0
        var noise: Double?
        if let n = keys["label_noise"] {
            let v = try r.double(n.value, "label_noise")
            guard (0...1).contains(v) else { throw r.fail(n.value, "'label_noise' must be between 0 and 1, found \(v)") }
            noise = v
        }
        var subset = SubsetSpec(name: name, dataset: dsName, sizes: sizes, nested: nested, seed: seed, labelNoise: noise,
                                location: r.location(d.entry.keyNode))
        subset.fromStep = fromStep
        subset.items = stepItems
        return subset
    }

    // MARK: models and tasks

    static let modelKeys = ["params", "capacities"]
    static let reservedAttributes = ["kind", "name", "model"]

    func model(_ d: SpecLoader.Declaration) throws -> ModelSpec {
        let r = d.reader, name = d.entry.key
        try checkName(d, "model")
        let keys = try r.mapping(d.entry.value, "model '\(name)'", validKeys: SpecBuilder.modelKeys)
        let params = try r.jsonObject(keys["params"]?.value, "'params' of model '\(name)'")
        guard let caps = keys["capacities"], !r.isNull(caps.value) else {
            throw r.fail(d.entry.keyNode, "model '\(name)' needs 'capacities:', e.g. { r50: {depth: 50}, r101: {depth: 101} }")
        }
        var capacities: [CapacitySpec] = []
        for e in try r.mapping(caps.value, "'capacities' of model '\(name)'") {
            guard SpecBuilder.isName(e.key) else {
                throw r.fail(e.keyNode, "capacity name '\(e.key)' may only hold \(SpecBuilder.nameCharacters)")
            }
            let p = try r.jsonObject(e.value, "capacity '\(e.key)'")
            for k in SpecBuilder.reservedAttributes where p[k] != nil || params[k] != nil {
                throw r.fail(e.keyNode, "parameter '\(k)' is reserved in model '\(name)' (the axis object sets it)")
            }
            capacities.append(CapacitySpec(name: e.key, params: p, location: r.location(e.keyNode)))
        }
        guard !capacities.isEmpty else { throw r.fail(caps.value, "model '\(name)' has no capacities") }
        return ModelSpec(name: name, params: params, capacities: capacities, location: r.location(d.entry.keyNode))
    }

    func task(_ d: SpecLoader.Declaration) throws -> TaskSpec {
        let r = d.reader, name = d.entry.key
        try checkName(d, "task")
        let attrs = try r.jsonObject(d.entry.value, "task '\(name)'")
        for k in ["kind", "name"] where attrs[k] != nil {
            throw r.fail(d.entry.keyNode, "attribute '\(k)' is reserved in task '\(name)' (the axis object sets it)")
        }
        return TaskSpec(name: name, attributes: attrs, location: r.location(d.entry.keyNode))
    }
}
