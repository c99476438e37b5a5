import XGraphCore
import XGraphSpec

/// Finds, for each node of a step, the upstream node one input reads: the node of the
/// upstream step whose value on every upstream axis equals this node's value on the axis of
/// the same name (or the value pinned by `where:`). Subsets are equal when their dataset and
/// size are: two datasets' subsets of one size are different subsets. Resolved by
/// array lookups per node.
struct InputMatcher {
    let name: String
    private let target: Target
    private let location: SourceLocation

    private enum Target {
        case fixed(Int)
        /// `datasets.{{ AXIS }}`: `nodes[v]` is the dataset node for value `v` of this step's
        /// axis `axis` (-1 for none).
        case datasetOnAxis(Int, nodes: [Int])
        case step(ExpandedStep, name: String, parts: [Part], ambiguity: Ambiguity?)
    }

    /// Where the value of one upstream axis comes from.
    private enum Part {
        /// This step's axis `axis`; `map[i]` is the upstream value index of this axis's value
        /// `i`, or -1 when the upstream axis lacks that value.
        case axis(Int, map: [Int])
        /// A `where:` pin: a fixed upstream value index.
        case pinned(Int)
        /// A `where:` pin on a size that several datasets' subsets share: the one of the
        /// dataset on upstream axis `datasetAxis` (`byDataset[v]` for its value `v`, -1 none).
        case pinnedBySource(datasetAxis: Int, byDataset: [Int])
        /// An upstream dataset axis that this step neither has nor pins, implied by the
        /// upstream subset axis paired with it: `datasetOf[v]` for that axis's value `v`.
        case implied(subsetAxis: Int, datasetOf: [Int])
    }

    /// A pin on a size that several datasets' subsets share, with nothing to choose the
    /// dataset: every node reading the input is an error naming the candidates.
    private struct Ambiguity {
        var axis: Int
        var candidates: [Int]
        var pin: AxisPin
    }

    private let points: [[AxisPoint]]

    init(input: InputSpec, step: StepSpec, axes: [AxisSpec], points: [[AxisPoint]],
         expanded: [String: ExpandedStep], datasetNode: [String: Int]) throws {
        name = input.name
        location = input.location
        self.points = points
        func internalError(_ what: String) -> XGraphError {
            XGraphError.spec(input.location, "input '\(input.name)' of step '\(step.name)': \(what) (a bug in xgraph: please report it)")
        }
        switch input.ref {
        case .dataset(let d):
            guard let i = datasetNode[d] else { throw internalError("no node for dataset '\(d)'") }
            target = .fixed(i)
        case .datasetOnAxis(let axis):
            guard let a = axes.firstIndex(where: { $0.name == axis }) else { throw internalError("no axis '\(axis)'") }
            target = .datasetOnAxis(a, nodes: points[a].map { datasetNode[$0.label] ?? -1 })
        case .step(let upName, let pins):
            // StepOrder put the upstream step first.
            guard let up = expanded[upName] else { throw internalError("step '\(upName)' is not expanded yet") }
            for pin in pins where !up.axes.contains(where: { $0.name == pin.axis }) {
                throw XGraphError.spec(pin.location, "'where' pins axis '\(pin.axis)', which step '\(upName)' does not have"
                    + NameSuggestions.didYouMean(pin.axis, in: up.axes.map(\.name))
                    + " axes of '\(upName)': " + NameSuggestions.list(up.axes.map(\.name)))
            }
            var parts: [Part?] = Array(repeating: nil, count: up.axes.count)
            var ambiguity: Ambiguity?
            // Pinned and matched axes first: a pinned size or an implied dataset depends on them.
            var pinnedSizes: [(u: Int, candidates: [Int], pin: AxisPin)] = []
            for (u, upAxis) in up.axes.enumerated() {
                let labels = up.points[u].map(\.label)
                if let pin = pins.last(where: { $0.axis == upAxis.name }) {
                    let candidates = labels.indices.filter { labels[$0] == pin.value }
                    guard let first = candidates.first else {
                        throw XGraphError.spec(pin.location, "'\(pin.value)' is not a value of axis '\(upAxis.name)' of step '\(upName)'"
                            + NameSuggestions.didYouMean(pin.value, in: labels) + " values: " + NameSuggestions.list(labels))
                    }
                    if candidates.count == 1 { parts[u] = .pinned(first) } else { pinnedSizes.append((u, candidates, pin)) }
                } else if let d = axes.firstIndex(where: { $0.name == upAxis.name }) {
                    guard axes[d].source.kind == upAxis.source.kind else {
                        throw XGraphError.spec(input.location, "input '\(input.name)' of step '\(step.name)' matches axis '\(upAxis.name)' "
                            + "of step '\(upName)', which ranges over \(upAxis.source) there but over \(axes[d].source) here; "
                            + "an axis must range over the same kind of thing in both steps")
                    }
                    var byKey: [String: Int] = [:]
                    for (i, p) in up.points[u].enumerated() { byKey[InputMatcher.key(p)] = i }
                    parts[u] = .axis(d, map: points[d].map { byKey[InputMatcher.key($0)] ?? -1 })
                }
            }
            // A size several datasets share (only an `AXIS.subsets` axis has one): the dataset
            // axis it pairs with chooses, if this step matches or pins it.
            for p in pinnedSizes {
                guard case .subsetsOf(let pairedName, _) = up.axes[p.u].source,
                      let da = up.axes.firstIndex(where: { $0.name == pairedName }), let dpart = parts[da] else {
                    ambiguity = ambiguity ?? Ambiguity(axis: p.u, candidates: p.candidates, pin: p.pin)
                    parts[p.u] = .pinned(p.candidates[0])
                    continue
                }
                let byDataset = up.points[da].map { d in p.candidates.first { up.points[p.u][$0].dataset == d.label } ?? -1 }
                if case .pinned(let dv) = dpart {
                    guard byDataset[dv] >= 0 else {
                        let dataset = up.points[da][dv].label
                        let sizes = up.points[p.u].filter { $0.dataset == dataset }.map(\.label)
                        throw XGraphError.spec(p.pin.location, "'\(p.pin.value)' is not a size of dataset '\(dataset)' on axis "
                            + "'\(up.axes[p.u].name)' of step '\(upName)'; its sizes: " + NameSuggestions.list(sizes))
                    }
                    parts[p.u] = .pinned(byDataset[dv])
                } else { parts[p.u] = .pinnedBySource(datasetAxis: da, byDataset: byDataset) }
            }
            // What is left must be a dataset axis implied by its paired subset axis.
            for (u, upAxis) in up.axes.enumerated() where parts[u] == nil {
                guard let s = up.axes.firstIndex(where: { if case .subsetsOf(upAxis.name, _) = $0.source { return true } else { return false } }),
                      let spart = parts[s], InputMatcher.isDirect(spart) else {
                    throw XGraphError.spec(input.location, "input '\(input.name)' of step '\(step.name)' reads step '\(upName)', "
                        + "which has axis '\(upAxis.name)' that step '\(step.name)' does not have; add '\(upAxis.name)' to its "
                        + "foreach or pin it with where: {\(upAxis.name): VALUE}")
                }
                let datasetOf = up.points[s].map { p in up.points[u].firstIndex { $0.label == p.dataset } ?? -1 }
                parts[u] = .implied(subsetAxis: s, datasetOf: datasetOf)
            }
            target = .step(up, name: upName, parts: parts.compactMap { $0 }, ambiguity: ambiguity)
        }
    }

    /// What two subsets must share to match: dataset and size label. Other values: the label.
    private static func key(_ p: AxisPoint) -> String {
        p.dataset.map { "\($0)\u{0}\(p.label)" } ?? p.label
    }

    private static func isDirect(_ part: Part) -> Bool {
        switch part {
        case .axis, .pinned: return true
        case .pinnedBySource, .implied: return false
        }
    }

    /// The upstream value index of a matched or pinned part, -1 for none.
    private static func direct(_ part: Part, _ point: [Int]) -> Int {
        switch part {
        case .axis(let d, let map): return map[point[d]]
        case .pinned(let p): return p
        case .pinnedBySource, .implied: return -1
        }
    }

    /// The graph index of the upstream node for the downstream node at `point` (named `node`,
    /// for messages).
    func upstream(for point: [Int], node: @autoclosure () -> String) throws -> Int {
        switch target {
        case .fixed(let i): return i
        case .datasetOnAxis(let a, let nodes):
            guard nodes[point[a]] >= 0 else {
                throw XGraphError.spec(location, "node '\(node())' reads input '\(name)' from dataset "
                    + "'\(points[a][point[a]].label)', which has no node (a bug in xgraph: please report it)")
            }
            return nodes[point[a]]
        case .step(let up, let upName, let parts, let ambiguity):
            if let ambiguity { throw ambiguous(ambiguity, up: up, upName: upName, parts: parts, point: point, node: node()) }
            var offset = 0
            var found = true
            for u in parts.indices {
                let v = InputMatcher.value(u, parts, point)
                if v < 0 { found = false; break }
                offset += v * up.strides[u]
            }
            if found, up.nodeAt[offset] >= 0 { return up.nodeAt[offset] }
            let values = parts.indices.map { InputMatcher.value($0, parts, point) }
            throw missing(up: up, upName: upName, parts: parts, values: values, point: point, node: node(), found: found)
        }
    }

    /// The upstream value index of part `u` for the node at `point`, -1 for none.
    private static func value(_ u: Int, _ parts: [Part], _ point: [Int]) -> Int {
        switch parts[u] {
        case .axis(let d, let map): return map[point[d]]
        case .pinned(let p): return p
        case .pinnedBySource(let da, let byDataset):
            let dv = direct(parts[da], point)
            return dv < 0 ? -1 : byDataset[dv]
        case .implied(let s, let datasetOf):
            let sv = direct(parts[s], point)
            return sv < 0 ? -1 : datasetOf[sv]
        }
    }
}

extension InputMatcher {
    /// The error for a node whose upstream node does not exist.
    private func missing(up: ExpandedStep, upName: String, parts: [Part], values: [Int], point: [Int],
                         node: String, found: Bool) -> XGraphError {
        // A subset of another dataset with this size: what label matching used to wire silently.
        for (u, part) in parts.enumerated() {
            guard case .axis(let d, _) = part, values[u] < 0, let dataset = points[d][point[d]].dataset else { continue }
            let size = points[d][point[d]].label
            guard up.points[u].contains(where: { $0.label == size }) else { continue }
            var datasets: [String] = []
            for p in up.points[u] { if let ds = p.dataset, !datasets.contains(ds) { datasets.append(ds) } }
            return XGraphError.spec(location, "node '\(node)' reads input '\(name)' from step '\(upName)', whose axis "
                + "'\(up.axes[u].name)' has no subset of dataset '\(dataset)' of size \(size) (it ranges over "
                + "\(up.axes[u].source): dataset\(datasets.count == 1 ? "" : "s") \(datasets.joined(separator: ", "))); "
                + "inputs match a subset on its dataset and its size")
        }
        let wanted = upName + parts.enumerated().map { u, part -> String in
            switch part {
            case .axis(let d, _): return "/\(up.axes[u].name)=\(points[d][point[d]].label)"
            default: return values[u] < 0 ? "/\(up.axes[u].name)=?" : "/\(up.axes[u].name)=\(up.points[u][values[u]].label)"
            }
        }.joined()
        // A combination that pairs a subset with another dataset never existed.
        let unpaired = up.axes.indices.contains { s in
            guard found, case .subsetsOf(let pairedName, _) = up.axes[s].source,
                  let da = up.axes.firstIndex(where: { $0.name == pairedName }) else { return false }
            return up.points[s][values[s]].dataset != up.points[da][values[da]].label
        }
        if !found || unpaired {
            return XGraphError.spec(location, "node '\(node)' reads input '\(name)' from '\(wanted)', which step "
                + "'\(upName)' does not have: its axes take other values")
        }
        return XGraphError.spec(location, "node '\(node)' reads input '\(name)' from '\(wanted)', which 'exclude'/'only' "
            + "removed from step '\(upName)'; filter '\(node)' out as well or keep its upstream node")
    }

    /// The error for a pin on a size that several datasets' subsets share.
    private func ambiguous(_ a: Ambiguity, up: ExpandedStep, upName: String, parts: [Part], point: [Int],
                           node: String) -> XGraphError {
        let names = a.candidates.map { c -> String in
            let dataset = up.points[a.axis][c].dataset ?? ""
            return upName + parts.enumerated().map { u, part -> String in
                let label: String
                switch part {
                case _ where u == a.axis: label = up.points[u][c].label
                case .implied: label = dataset
                case .axis(let d, let map): label = map[point[d]] < 0 ? points[d][point[d]].label : up.points[u][map[point[d]]].label
                case .pinned(let p): label = up.points[u][p].label
                case .pinnedBySource: label = "?"
                }
                return "/\(up.axes[u].name)=\(label)"
            }.joined()
        }
        var example = "where: { data: \(a.pin.value) }"
        if case .subsetsOf(let pairedName, _) = up.axes[a.axis].source, let first = up.points[a.axis][a.candidates[0]].dataset {
            example = "where: { \(pairedName): \(first), \(a.pin.axis): \(a.pin.value) }"
        }
        return XGraphError.spec(a.pin.location, "node '\(node)' reads input '\(name)' from step '\(upName)' with "
            + "'\(a.pin.axis)' pinned to '\(a.pin.value)', which matches \(a.candidates.count) nodes: "
            + names.joined(separator: ", ") + "; pin the dataset as well, e.g. " + example)
    }
}
