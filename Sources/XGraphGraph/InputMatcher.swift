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
        case fixed(String)
        /// For each upstream axis: the downstream axis index that supplies its value, or a pinned label.
        case step(name: String, parts: [Part], nodes: [String: String], upstreamAxes: [String])
    }

    private enum Part {
        case axis(Int)
        case pinned(String)
    }

    private let points: [[AxisPoint]]

    init(input: InputSpec, step: StepSpec, axes: [AxisSpec], points: [[AxisPoint]],
         expanded: [String: ExpandedStep], datasetNode: [String: String]) throws {
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
                if let pin = pins.last(where: { $0.axis == upAxis.name }) {
                    let labels = up.points[u].map(\.label)
                    guard labels.contains(pin.value) else {
                        throw XGraphError.spec(pin.location, "'\(pin.value)' is not a value of axis '\(upAxis.name)' of step '\(upName)'"
                            + NameSuggestions.didYouMean(pin.value, in: labels) + " values: " + NameSuggestions.list(labels))
                    }
                    parts.append(.pinned(pin.value))
                } else if let d = axes.firstIndex(where: { $0.name == upAxis.name }) {
                    guard axes[d].source.kind == upAxis.source.kind else {
                        throw XGraphError.spec(input.location, "input '\(input.name)' of step '\(step.name)' matches axis '\(upAxis.name)' "
                            + "of step '\(upName)', which ranges over \(upAxis.source) there but over \(axes[d].source) here; "
                            + "an axis must range over the same kind of thing in both steps")
                    }
                    parts.append(.axis(d))
                } else {
                    throw XGraphError.spec(input.location, "input '\(input.name)' of step '\(step.name)' reads step '\(upName)', "
                        + "which has axis '\(upAxis.name)' that step '\(step.name)' does not have; add '\(upAxis.name)' to its "
                        + "foreach or pin it with where: {\(upAxis.name): VALUE}")
                }
            }
            target = .step(name: upName, parts: parts, nodes: up.nodes, upstreamAxes: up.axes.map(\.name))
        }
    }

    /// The upstream node id for the downstream node at `point` (named `node`, for messages).
    func upstream(for point: [Int], node: @autoclosure () -> String) throws -> String {
        switch target {
        case .fixed(let id): return id
        case .step(let upName, let parts, let nodes, let upAxes):
            var key = ""
            for (i, part) in parts.enumerated() {
                if i > 0 { key += ExpandedStep.separator }
                switch part {
                case .axis(let d): key += points[d][point[d]].label
                case .pinned(let label): key += label
                }
            }
            if let id = nodes[key] { return id }
            let wanted = upName + zip(upAxes, key.components(separatedBy: ExpandedStep.separator))
                .map { "/\($0)=\($1)" }.joined()
            throw XGraphError.spec(location, "node '\(node())' reads input '\(name)' from '\(wanted)', which 'exclude'/'only' "
                + "removed from step '\(upName)'; filter '\(node())' out as well or keep its upstream node")
        }
    }
}
