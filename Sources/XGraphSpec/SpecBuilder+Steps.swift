import Foundation
import XGraphCore
import Yams

extension SpecBuilder {
    static let stepKeys = ["run", "command", "foreach", "inputs", "params", "outputs", "code", "env", "key_env", "resources",
                           "gpus_affect_results", "retries", "resume", "estimate", "mutex", "max_parallel", "exclude", "only", "slurm", "container", "group"]
    static let resourceKeys = ["gpus", "cpus", "mem", "time"]
    /// Template names with a fixed meaning; an axis may not take them.
    static let reservedAxisNames = ["inputs", "params", "out", "resume", "params_file"]

    func step(_ d: SpecLoader.Declaration, allSteps: [String], fileContainer: ContainerSpec? = nil) throws -> StepSpec {
        let r = d.reader, name = d.entry.key
        try checkName(d, "step")
        let what = "step '\(name)'"
        let keys = try r.mapping(d.entry.value, what, validKeys: SpecBuilder.stepKeys)
        let workdir = (r.file as NSString).deletingLastPathComponent

        let action: StepAction
        switch (keys["run"], keys["command"]) {
        case (let run?, nil):
            let text = try r.string(run.value, "run")
            let valid = Builtins.steps.map { "builtin:\($0)" }
            guard text.hasPrefix("builtin:"), Builtins.steps.contains(String(text.dropFirst(8))) else {
                throw r.fail(run.value, "unknown builtin '\(text)'" + NameSuggestions.didYouMean(text, in: valid)
                    + " valid: " + valid.joined(separator: ", ") + "; for a shell command use 'command:'")
            }
            action = .builtin(String(text.dropFirst(8)))
        case (nil, let cmd?):
            action = .command(try Template(parsing: try r.string(cmd.value, "command"), location: r.location(cmd.value)))
        case (_?, _?):
            throw r.fail(keys["command"]!.keyNode, "\(what) has both 'run' and 'command'; give exactly one")
        case (nil, nil):
            throw r.fail(d.entry.keyNode, "\(what) needs 'command:' (a shell command) or 'run: builtin:NAME'")
        }

        let foreach = try keys["foreach"].map { try axes($0.value, r: r, step: name) } ?? []
        let axisNames = Set(foreach.map(\.name))
        let inputs = try keys["inputs"].map { try inputList($0.value, r: r, step: name, allSteps: allSteps, axes: foreach) } ?? []

        var params: [String: JSONValue] = [:]
        if let p = keys["params"], !r.isNull(p.value) {
            for e in try r.mapping(p.value, "'params' of \(what)") {
                guard !axisNames.contains(e.key) else {
                    throw r.fail(e.keyNode, "parameter '\(e.key)' has the name of an axis of \(what); rename one of them")
                }
                params[e.key] = try r.json(e.value)
            }
        }

        var outputs: [String] = []
        if let o = keys["outputs"] {
            for item in try r.sequenceOrScalar(o.value, "outputs") {
                let p = try r.path(item, "outputs")
                // '.' names the output folder itself and '..' leaves it; both, and empty parts,
                // would make the "declared output was written" check meaningless.
                let parts = p.split(separator: "/", omittingEmptySubsequences: false)
                let trimmed = p.hasSuffix("/") ? parts.dropLast() : parts[...]
                guard !p.isEmpty, !p.hasPrefix("/"), trimmed.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
                    throw r.fail(item, "output '\(p)' must be a relative path inside the output folder "
                        + "(no '.' or '..' parts, not empty, not absolute)")
                }
                outputs.append(p)
            }
        }

        let code = try keys["code"].map { try codePaths($0.value, r: r, workdir: workdir) } ?? []

        var env: [EnvSpec] = []
        if let e = keys["env"], !r.isNull(e.value) {
            for entry in try r.mapping(e.value, "'env' of \(what)") {
                guard SpecBuilder.isIdentifier(entry.key) else {
                    throw r.fail(entry.keyNode, "environment variable name '\(entry.key)' must be letters, digits and '_', not starting with a digit")
                }
                guard case .scalar(let s) = entry.value, !r.isNull(entry.value) else {
                    throw r.fail(entry.value, "environment value '\(entry.key)' must be a string, found \(r.describe(entry.value))")
                }
                env.append(EnvSpec(name: entry.key, value: try Template(parsing: s.string, location: r.location(entry.value))))
            }
        }

        // The inherited environment is never in a key unless named here: a conda prefix or
        // PYTHONHASHSEED may change results, CUDA_VISIBLE_DEVICES must not.
        var keyEnv: [String] = []
        if let e = keys["key_env"], !r.isNull(e.value) {
            for item in try r.sequenceOrScalar(e.value, "key_env") {
                let name = try r.string(item, "key_env")
                guard SpecBuilder.isIdentifier(name) else {
                    throw r.fail(item, "environment variable name '\(name)' in key_env must be letters, digits and '_', not starting with a digit")
                }
                guard !env.contains(where: { $0.name == name }) else {
                    throw r.fail(item, "'\(name)' is set by this step's env:, which is in the key already; list only inherited variables in key_env")
                }
                if !keyEnv.contains(name) { keyEnv.append(name) }
            }
        }

        var resources = Resources()
        if let res = keys["resources"], !r.isNull(res.value) {
            let rk = try r.mapping(res.value, "'resources' of \(what)", validKeys: SpecBuilder.resourceKeys)
            if let g = rk["gpus"] { resources.gpus = try r.int(g.value, "gpus", in: 0...Resources.maxGPUs) }
            if let c = rk["cpus"] { resources.cpus = try r.int(c.value, "cpus", in: 1...Resources.maxCPUs) }
            if let m = rk["mem"] {
                let read = r.isNull(m.value) ? .malformed : m.value.scalar.map { MemorySize.read($0.string) } ?? .malformed
                switch read {
                case .value(let mb): resources.memMB = mb
                case .malformed:
                    throw r.fail(m.value, "'mem' must be an amount such as 512M, 64G or 1T, found \(r.describe(m.value))")
                case .tooLarge:
                    throw r.fail(m.value, "'mem' must be at most \(MemorySize.maxText), found \(m.value.scalar?.string ?? "")")
                }
            }
            if let t = rk["time"] { resources.timeSeconds = try duration(t.value, "time", r) }
        }

        let retries = try keys["retries"].map { try r.int($0.value, "retries", in: 0...SpecBuilder.maxRetries) } ?? 0
        let maxParallel = try keys["max_parallel"].map { try r.int($0.value, "max_parallel", in: 1...SpecBuilder.maxParallel) }
        let resume = try keys["resume"].map { try r.bool($0.value, "resume") } ?? false
        let slurm = try keys["slurm"].map { try slurmProfile($0.value, "'slurm' of \(what)", r: r, resume: resume) }
        let mutex = try keys["mutex"].map { try r.sequenceOrScalar($0.value, "mutex").map { try r.string($0, "mutex") } } ?? []

        var step = StepSpec(
            name: name, action: action, foreach: foreach, inputs: inputs, params: params, outputs: outputs,
            code: code, env: env, resources: resources,
            gpusAffectResults: try keys["gpus_affect_results"].map { try r.bool($0.value, "gpus_affect_results") } ?? false,
            retries: retries,
            resume: resume,
            estimateSeconds: try keys["estimate"].map { try duration($0.value, "estimate", r) },
            mutex: mutex,
            maxParallel: maxParallel,
            exclude: try keys["exclude"].map { try filters($0.value, "exclude", r: r, step: name, axes: foreach) } ?? [],
            only: try keys["only"].map { try filters($0.value, "only", r: r, step: name, axes: foreach) } ?? [],
            slurm: slurm,
            workdir: workdir, location: r.location(d.entry.keyNode))
        step.keyEnv = keyEnv.sorted()
        if let g = keys["group"] { step.jobGroup = try jobGroup(g.value, "'group' of \(what)", r: r, resume: resume) }
        if let entry = keys["container"] {
            switch try stepContainer(entry.value, r: r) {
            case .image(let c):
                // xgraph-train runs on the host, linked against its libraries: no image carries it.
                if case .builtin = action {
                    throw r.fail(entry.value, "builtin steps run xgraph-train on this machine, not in a container; "
                        + "remove 'container:' from \(what), or run your own program with 'command:'")
                }
                step.container = c
            case .none: step.container = nil
            }
        } else if case .command = action {
            step.container = fileContainer
        }
        return step
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.first, !f.isNumber else { return false }
        return s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    static let codeKeys = ["path", "outside_project"]

    /// `code:` entries: a path, or `{ path: P, outside_project: true }` for one outside the
    /// project folder (the folder of the experiment file loaded). Without that opt-in a path
    /// such as `../../etc` would put files nobody meant to track into every key.
    private func codePaths(_ node: Yams.Node, r: YAMLReader, workdir: String) throws -> [CodePath] {
        let project = (collected.files.first.map { ($0 as NSString).deletingLastPathComponent }) ?? workdir
        return try r.sequenceOrScalar(node, "code").map { item in
            var pathNode = item
            var outside = false
            if case .mapping = item {
                let k = try r.mapping(item, "a 'code' entry", validKeys: SpecBuilder.codeKeys)
                guard let p = k["path"] else { throw r.fail(item, "a 'code' entry needs 'path:'") }
                pathNode = p.value
                outside = try k["outside_project"].map { try r.bool($0.value, "outside_project") } ?? false
            }
            let p = try r.path(pathNode, "code")
            let abs = SpecLoader.absolutePath(p, relativeTo: workdir)
            guard outside || abs == project || abs.hasPrefix(project == "/" ? "/" : project + "/") else {
                throw r.fail(pathNode, "code path '\(p)' is outside the project folder \(project); "
                    + "write { path: \(p), outside_project: true } to hash it anyway")
            }
            var st = stat()
            guard stat(abs, &st) == 0 else {
                throw r.fail(pathNode, "code path '\(p)' does not exist (looked for \(abs))")
            }
            // A FIFO or device would block or never end when hashed; only what can be read to
            // its end enters a key.
            let type = st.st_mode & S_IFMT
            guard type == S_IFREG || type == S_IFDIR else {
                throw r.fail(pathNode, "code path '\(p)' is neither a file nor a folder; only files and folders can be hashed")
            }
            return CodePath(written: p, absolute: abs)
        }
    }

    static let groupKeys = ["max_nodes", "max_time"]

    /// `group: { max_nodes: N, max_time: T }`.
    private func jobGroup(_ node: Yams.Node, _ what: String, r: YAMLReader, resume: Bool) throws -> JobGroup {
        let k = try r.mapping(node, what, validKeys: SpecBuilder.groupKeys)
        guard let n = k["max_nodes"] else { throw r.fail(node, "\(what) needs 'max_nodes:' (how many nodes may share one job)") }
        // A resumable node is requeued on its own when its time runs out; in a shared job the
        // requeue would start its neighbours again too.
        if resume { throw r.fail(node, "\(what): a step with 'resume: true' runs as jobs of its own; remove 'group:' or 'resume:'") }
        return JobGroup(maxNodes: try r.int(n.value, "max_nodes", in: 1...JobGroup.mostNodes),
                        maxTime: try k["max_time"].map { try duration($0.value, "max_time", r) })
    }

    /// Retrying a failing job more often than this is a loop, not a retry policy.
    static let maxRetries = 100
    /// Beyond any machine's job slots; only there so every number read has a limit.
    static let maxParallel = 1_000_000

    func duration(_ node: Yams.Node, _ what: String, _ r: YAMLReader) throws -> Double {
        let read = r.isNull(node) ? .malformed : node.scalar.map { DurationText.read($0.string) } ?? .malformed
        switch read {
        case .value(let v): return v
        case .malformed:
            throw r.fail(node, "'\(what)' must be a duration such as 90s, 30m, 72h, 2d or 12:00:00, found \(r.describe(node))")
        case .tooLarge:
            throw r.fail(node, "'\(what)' must be at most \(DurationText.maxText), found \(node.scalar?.string ?? "")")
        }
    }

    // MARK: foreach

    private func axes(_ node: Yams.Node, r: YAMLReader, step: String) throws -> [AxisSpec] {
        var axes: [AxisSpec] = []
        // `AXIS.subsets` may name an axis listed after it: resolved once all axes are read.
        var paired: [(index: Int, axis: String, node: Yams.Node)] = []
        for e in try r.mapping(node, "'foreach' of step '\(step)'") {
            guard SpecBuilder.isIdentifier(e.key), !SpecBuilder.reservedAxisNames.contains(e.key) else {
                throw r.fail(e.keyNode, "axis name '\(e.key)' must be an identifier (letters, digits, '_') and not one of "
                    + SpecBuilder.reservedAxisNames.joined(separator: ", "))
            }
            if let axis = SpecBuilder.pairedAxisName(e.value) {
                paired.append((axes.count, axis, e.value))
                axes.append(AxisSpec(name: e.key, source: .subsetsOf(axis: axis, datasets: nil), location: r.location(e.value)))
            } else {
                axes.append(AxisSpec(name: e.key, source: try axisSource(e.value, r: r), location: r.location(e.value)))
            }
        }
        for p in paired {
            axes[p.index].source = try pairedSource(p.axis, at: p.node, axes: axes, r: r, step: step)
        }
        return axes
    }

    static let sourceKinds = ["subsets", "models", "tasks", "datasets", "axes"]

    /// A literal axis list `[0.1, 0.01]` (in a step's `foreach` or the file's `axes:`).
    func literalValues(_ node: Yams.Node, r: YAMLReader) throws -> [LiteralValue] {
        guard case .sequence(let seq) = node else {
            throw r.fail(node, "an axis is a list of values such as [0, 1, 2], found \(r.describe(node))")
        }
        var values: [LiteralValue] = []
        for item in seq {
            guard case .scalar(let s) = item else {
                throw r.fail(item, "items of a literal axis list must be scalars, found \(r.describe(item))")
            }
            guard !values.contains(where: { $0.label == s.string }) else {
                throw r.fail(item, "value '\(s.string)' is listed twice in this axis")
            }
            values.append(LiteralValue(label: s.string, value: try r.json(item)))
        }
        guard !values.isEmpty else { throw r.fail(node, "an axis list must hold at least one value") }
        return values
    }

    private func axisSource(_ node: Yams.Node, r: YAMLReader) throws -> AxisSource {
        if case .sequence = node { return .literal(try literalValues(node, r: r)) }
        let usage = "an axis source is subsets, subsets.NAME, models, models.NAME, tasks, tasks.NAME, datasets, "
            + "datasets.NAME, axes.NAME (a list declared once under the file's axes:), "
            + "AXIS.subsets (the subsets of the datasets on an axis over datasets) "
            + "or a literal list such as [0.1, 0.01]"
        guard case .scalar(let s) = node else { throw r.fail(node, usage + ", found \(r.describe(node))") }
        let text = s.string
        let dot = text.firstIndex(of: ".")
        let kind = dot.map { String(text[..<$0]) } ?? text
        let name = dot.map { String(text[text.index(after: $0)...]) }
        func check(_ names: [String], _ index: [String: Int]) throws {
            guard let name else {
                if names.isEmpty { throw r.fail(node, "axis source '\(kind)' has nothing declared under '\(kind):'") }
                return
            }
            guard index[name] != nil else {
                throw r.fail(node, "undefined axis source '\(text)'" + NameSuggestions.didYouMean(name, in: names)
                    + " \(kind): " + NameSuggestions.list(names))
            }
        }
        switch kind {
        case "subsets": try check(subsets.map(\.name), subsetIndex); return .subsets(name)
        case "models": try check(models.map(\.name), modelIndex); return .models(name)
        case "tasks": try check(tasks.map(\.name), taskIndex); return .tasks(name)
        case "datasets": try check(datasets.map(\.name), datasetIndex); return .datasets(name)
        case "axes":
            let names = namedAxes.keys.sorted()
            guard let name else { throw r.fail(node, "name one declared axis: axes.NAME; axes: " + NameSuggestions.list(names)) }
            guard let values = namedAxes[name] else {
                throw r.fail(node, "undefined axis source '\(text)'" + NameSuggestions.didYouMean(name, in: names)
                    + " axes: " + NameSuggestions.list(names))
            }
            return .literal(values)
        default:
            throw r.fail(node, "unknown axis source '\(text)'"
                + NameSuggestions.didYouMean(kind, in: SpecBuilder.sourceKinds) + " " + usage)
        }
    }

    /// The value labels an axis takes, in order (also the node-name parts).
    func labels(of source: AxisSource) -> [String] {
        switch source {
        case .subsets(let n): return subsets.filter { n == nil || $0.name == n }.flatMap { $0.sizes.map(\.label) }
        case .models(let n): return models.filter { n == nil || $0.name == n }.flatMap { $0.capacities.map(\.name) }
        case .tasks(let n): return tasks.filter { n == nil || $0.name == n }.map(\.name)
        case .datasets(let n): return datasets.filter { n == nil || $0.name == n }.map(\.name)
        case .subsetsOf(_, let n):
            // Two datasets' subsets may share a size label: a filter value names all of them.
            return subsets.filter { n == nil || $0.dataset == n }.flatMap { $0.sizes.map(\.label) }
        case .literal(let vs): return vs.map(\.label)
        }
    }

    // MARK: inputs

    private func inputList(_ node: Yams.Node, r: YAMLReader, step: String, allSteps: [String],
                           axes: [AxisSpec]) throws -> [InputSpec] {
        try r.mapping(node, "'inputs' of step '\(step)'").map { e in
            guard SpecBuilder.isIdentifier(e.key) else {
                throw r.fail(e.keyNode, "input name '\(e.key)' must be an identifier (letters, digits, '_'): "
                    + "it becomes the variable XGRAPH_IN_\(e.key.uppercased())")
            }
            let loc = r.location(e.value)
            func stepRef(_ valueNode: Yams.Node, pins: [AxisPin]) throws -> InputSpec {
                let target = try r.string(valueNode, "inputs.\(e.key)")
                if let ref = try datasetOnAxis(target, input: e.key, at: valueNode, axes: axes, r: r, step: step) {
                    guard pins.isEmpty else { throw r.fail(valueNode, "'where' applies to step inputs, not to datasets") }
                    return InputSpec(name: e.key, ref: ref, location: loc)
                }
                if target.hasPrefix("datasets.") {
                    let ds = String(target.dropFirst(9))
                    guard datasetIndex[ds] != nil else {
                        throw r.fail(valueNode, "undefined dataset '\(ds)'" + NameSuggestions.didYouMean(ds, in: datasets.map(\.name))
                            + " datasets: " + NameSuggestions.list(datasets.map(\.name)))
                    }
                    guard pins.isEmpty else { throw r.fail(valueNode, "'where' applies to step inputs, not to datasets") }
                    return InputSpec(name: e.key, ref: .dataset(ds), location: loc)
                }
                guard allSteps.contains(target) else {
                    throw r.fail(valueNode, "input '\(e.key)' names undefined step '\(target)'"
                        + NameSuggestions.didYouMean(target, in: allSteps)
                        + " steps: " + NameSuggestions.list(allSteps) + "; datasets are written datasets.NAME")
                }
                return InputSpec(name: e.key, ref: .step(target, where: pins), location: loc)
            }
            if case .mapping = e.value {
                let k = try r.mapping(e.value, "input '\(e.key)'", validKeys: ["step", "where"])
                guard let s = k["step"] else {
                    throw r.fail(e.value, "input '\(e.key)' needs 'step:' naming the upstream step")
                }
                var pins: [AxisPin] = []
                if let w = k["where"] {
                    for p in try r.mapping(w.value, "'where' of input '\(e.key)'") {
                        guard case .scalar(let v) = p.value else {
                            throw r.fail(p.value, "'where' values are single axis values, found \(r.describe(p.value))")
                        }
                        pins.append(AxisPin(axis: p.key, value: v.string, location: r.location(p.value)))
                    }
                }
                return try stepRef(s.value, pins: pins)
            }
            return try stepRef(e.value, pins: [])
        }
    }

    // MARK: exclude / only

    private func filters(_ node: Yams.Node, _ key: String, r: YAMLReader, step: String, axes: [AxisSpec]) throws -> [AxisFilter] {
        try r.sequenceOrMapping(node, key).map { item in
            var values: [String: [String]] = [:]
            for e in try r.mapping(item, "an '\(key)' entry of step '\(step)'") {
                guard let axis = axes.first(where: { $0.name == e.key }) else {
                    throw r.fail(e.keyNode, "'\(key)' names axis '\(e.key)', which step '\(step)' does not have"
                        + NameSuggestions.didYouMean(e.key, in: axes.map(\.name)) + " axes: " + NameSuggestions.list(axes.map(\.name)))
                }
                let valid = labels(of: axis.source)
                var list: [String] = []
                for v in try r.sequenceOrScalar(e.value, "\(key).\(e.key)") {
                    guard case .scalar(let s) = v else { throw r.fail(v, "'\(key)' values must be scalars, found \(r.describe(v))") }
                    guard valid.contains(s.string) else {
                        throw r.fail(v, "'\(s.string)' is not a value of axis '\(e.key)'"
                            + NameSuggestions.didYouMean(s.string, in: valid) + " values: " + NameSuggestions.list(valid))
                    }
                    list.append(s.string)
                }
                values[e.key] = list
            }
            return AxisFilter(values: values, location: r.location(item))
        }
    }
}

extension YAMLReader {
    /// A list of mappings, or one mapping taken as a one-element list.
    func sequenceOrMapping(_ node: Yams.Node, _ what: String) throws -> [Yams.Node] {
        if case .mapping = node { return [node] }
        return try sequence(node, what)
    }
}
