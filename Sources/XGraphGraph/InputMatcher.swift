import XGraphCore
import XGraphSpec

/// Finds, for each node of a step, the upstream node one input reads: the node of the
/// upstream step whose value on every upstream axis equals this node's value on the axis of
/// the same name (or the value pinned by `where:`). Resolved by one dictionary lookup per node.
struct InputMatcher {
    let name: String
    private let target: Target
    private let location: SourceLocation

    private enum Target {
        case fixed(Int)
        case step(ExpandedStep, name: String, parts: [Part])
    }

    /// Where the value of one upstream axis comes from.
    private enum Part {
        /// This step's axis `axis`; `map[i]` is the upstream value index of this axis's value
        /// `i`, or -1 when the upstream axis lacks that label.
        case axis(Int, map: [Int])
        /// A `where:` pin: a fixed upstream value index.
        case pinned(Int)
    }

    private let points: [[AxisPoint]]

    init(input: InputSpec, step: StepSpec, axes: [AxisSpec], points: [[AxisPoint]],
         expanded: [String: ExpandedStep], datasetNode: [String: Int]) throws {
        name = input.name
        location = input.location
        self.points = points
        switch input.ref {
        case .dataset(let d):
            target = .fixed(datasetNode[d]!)
        case .step(let upName, let pins):
            // StepOrder put the upstream step first.
            let up = expanded[upName]!
            for pin in pins where !up.axes.contains(where: { $0.name == pin.axis }) {
                throw XGraphError.spec(pin.location, "'where' pins axis '\(pin.axis)', which step '\(upName)' does not have"
                    + NameSuggestions.didYouMean(pin.axis, in: up.axes.map(\.name))
                    + " axes of '\(upName)': " + NameSuggestions.list(up.axes.map(\.name)))
            }
            var parts: [Part] = []
            for (u, upAxis) in up.axes.enumerated() {
                let labels = up.points[u].map(\.label)
                if let pin = pins.last(where: { $0.axis == upAxis.name }) {
                    guard let v = labels.firstIndex(of: pin.value) else {
                        throw XGraphError.spec(pin.location, "'\(pin.value)' is not a value of axis '\(upAxis.name)' of step '\(upName)'"
                            + NameSuggestions.didYouMean(pin.value, in: labels) + " values: " + NameSuggestions.list(labels))
                    }
                    parts.append(.pinned(v))
                } else if let d = axes.firstIndex(where: { $0.name == upAxis.name }) {
                    guard axes[d].source.kind == upAxis.source.kind else {
                        throw XGraphError.spec(input.location, "input '\(input.name)' of step '\(step.name)' matches axis '\(upAxis.name)' "
                            + "of step '\(upName)', which ranges over \(upAxis.source) there but over \(axes[d].source) here; "
                            + "an axis must range over the same kind of thing in both steps")
                    }
                    var byLabel: [String: Int] = [:]
                    for (i, l) in labels.enumerated() { byLabel[l] = i }
                    parts.append(.axis(d, map: points[d].map { byLabel[$0.label] ?? -1 }))
                } else {
                    throw XGraphError.spec(input.location, "input '\(input.name)' of step '\(step.name)' reads step '\(upName)', "
                        + "which has axis '\(upAxis.name)' that step '\(step.name)' does not have; add '\(upAxis.name)' to its "
                        + "foreach or pin it with where: {\(upAxis.name): VALUE}")
                }
            }
            target = .step(up, name: upName, parts: parts)
        }
    }

    /// The graph index of the upstream node for the downstream node at `point` (named `node`,
    /// for messages).
    func upstream(for point: [Int], node: @autoclosure () -> String) throws -> Int {
        switch target {
        case .fixed(let i): return i
        case .step(let up, let upName, let parts):
            var offset = 0
            var found = true
            for (u, part) in parts.enumerated() {
                let v: Int
                switch part {
                case .axis(let d, let map): v = map[point[d]]
                case .pinned(let p): v = p
                }
                if v < 0 { found = false; break }
                offset += v * up.strides[u]
            }
            if found, up.nodeAt[offset] >= 0 { return up.nodeAt[offset] }
            let wanted = upName + parts.enumerated().map { u, part -> String in
                switch part {
                case .axis(let d, _): return "/\(up.axes[u].name)=\(points[d][point[d]].label)"
                case .pinned(let p): return "/\(up.axes[u].name)=\(up.points[u][p].label)"
                }
            }.joined()
            if !found {
                throw XGraphError.spec(location, "node '\(node())' reads input '\(name)' from '\(wanted)', which step "
                    + "'\(upName)' does not have: its axes take other values")
            }
            throw XGraphError.spec(location, "node '\(node())' reads input '\(name)' from '\(wanted)', which 'exclude'/'only' "
                + "removed from step '\(upName)'; filter '\(node())' out as well or keep its upstream node")
        }
    }
}
