import XGraphCore
import XGraphSpec

/// Checks for grids over several datasets' subsets: names stay distinct, each
/// `datasets.{{ AXIS }}` input has its dataset nodes, and builtin:subset draws from its own
/// subset's dataset.
enum GridChecks {
    /// A node's params flatten to dotted names in results (`{"opt": {"lr": 2}}` → `opt.lr`): a
    /// step param `opt.lr` beside `opt: {lr: …}`, or beside an axis `opt` whose value has `lr`,
    /// would name two values alike. Checked once per step, over every value of every axis.
    static func checkParamNames(_ step: StepSpec, points: [[AxisPoint]]) throws {
        var owner: [String: String] = [:]
        func claim(_ value: JSONValue, as source: String) throws {
            for leaf in try value.flattenedLeaves(what: "param") {
                if let other = owner[leaf.name], other != source {
                    throw JSONValue.FlatteningError(description: "param name '\(leaf.name)' of step '\(step.name)' is "
                        + "written twice, by \(other) and by \(source); nested names are joined with dots, so rename one")
                }
                owner[leaf.name] = source
            }
        }
        do {
            try claim(.object(step.params), as: "its params")
            for (a, axis) in step.foreach.enumerated() where a < points.count {
                for p in points[a] { try claim(.object([axis.name: p.object]), as: "axis '\(axis.name)'") }
            }
        } catch let e as JSONValue.FlatteningError {
            throw XGraphError.spec(step.location, e.description)
        }
    }

    /// Two values of one axis with one label would give two nodes one name. On an
    /// `AXIS.subsets` axis the dataset axis tells two datasets' subsets apart, so only a size
    /// that two families of one dataset share collides there.
    static func checkDistinct(_ axis: AxisSpec, _ points: [AxisPoint], step: StepSpec) throws {
        if case .subsetsOf = axis.source {
            var seen: [String: AxisPoint] = [:]
            for p in points {
                let key = (p.dataset ?? "") + "\u{0}" + p.label
                guard let other = seen.updateValue(p, forKey: key) else { continue }
                throw XGraphError.spec(axis.location, "axis '\(axis.name)' of step '\(step.name)' takes the value '\(p.label)' of "
                    + "dataset '\(p.dataset ?? "")' twice (from subsets \(other.family ?? "") and \(p.family ?? "")), so two nodes "
                    + "would share a name; give the sizes distinct labels or range over one family, e.g. subsets.\(other.family ?? "NAME")")
            }
            return
        }
        var seen: [String: AxisPoint] = [:]
        for p in points {
            guard let other = seen.updateValue(p, forKey: p.label) else { continue }
            var message = "axis '\(axis.name)' of step '\(step.name)' takes the value '\(p.label)' twice (from \(axis.source)), "
                + "so two nodes would share a name; give the values distinct names or name one source, e.g. "
                + (axis.source.kind == "capacity" ? "models.NAME" : "subsets.NAME")
            if let a = other.dataset, let b = p.dataset, a != b {
                message += "; for the subsets of several datasets, name each by its dataset too: "
                    + "foreach: { source: datasets, \(axis.name): source.subsets }"
            }
            throw XGraphError.spec(axis.location, message)
        }
    }

    /// The datasets a step reads through `datasets.{{ AXIS }}`: the values of AXIS, less those
    /// that an `AXIS.subsets` axis of the step pairs with no subset (they make no node).
    static func datasetsRead(by step: StepSpec, domains: inout AxisDomains) -> [String] {
        var read: [String] = []
        for input in step.inputs {
            guard case .datasetOnAxis(let axis) = input.ref,
                  let source = step.foreach.first(where: { $0.name == axis })?.source else { continue }
            var names = domains.points(source).map(\.label)
            for a in step.foreach {
                guard case .subsetsOf(axis, _) = a.source else { continue }
                let paired = Set(domains.points(a.source).compactMap(\.dataset))
                names = names.filter(paired.contains)
            }
            read += names
        }
        return read
    }

    /// builtin:subset draws from its `dataset` input with the item count and seed of its
    /// subset: reading another dataset (or step output) than the subset's would draw one data
    /// set's subset from another's files. Nil when the step is no builtin:subset with a
    /// `dataset` input.
    struct SubsetSource {
        let input: InputSpec
        /// For each subset axis: `expected[v]`, the dataset node its value `v` must read.
        let expected: [(axis: Int, nodes: [String])]
        let suggestion: String

        init?(step: StepSpec, points: [[AxisPoint]]) {
            guard case .builtin("subset") = step.action,
                  let input = step.inputs.first(where: { $0.name == "dataset" }) else { return nil }
            self.input = input
            expected = points.indices.compactMap { a in
                points[a].allSatisfy({ $0.source != nil }) ? (a, points[a].map { $0.source ?? "" }) : nil
            }
            let datasetAxis = step.foreach.first { if case .datasets = $0.source { return true } else { return false } }
            suggestion = datasetAxis.map { "\"datasets.{{ \($0.name) }}\"" } ?? "datasets.NAME"
        }

        func check(_ point: [Int], edges: [InputEdge], node: @autoclosure () -> String) throws {
            guard let edge = edges.first(where: { $0.name == input.name }) else { return }
            for (a, nodes) in expected where nodes[point[a]] != edge.node {
                func named(_ id: String) -> (what: String, ref: String) {
                    id.hasPrefix("dataset/") ? ("dataset '\(id.dropFirst(8))'", "datasets.\(id.dropFirst(8))")
                                             : ("the output of step '\(id)'", id)
                }
                let want = named(nodes[point[a]]), got = named(edge.node)
                let fix = want.ref.hasPrefix("datasets.") && suggestion != "datasets.NAME" ? suggestion : want.ref
                var message = "node '\(node())' draws a subset of \(want.what), but its input "
                    + "'\(input.name)' reads \(got.what); write inputs: { \(input.name): \(fix) }"
                if !edge.node.hasPrefix("dataset/") {
                    message += ", or draw the subsets from that step's output: subsets: { NAME: { dataset: \(edge.node), "
                        + "items: N, sizes: [...] } }"
                }
                throw XGraphError.spec(input.location, message)
            }
        }
    }
}
