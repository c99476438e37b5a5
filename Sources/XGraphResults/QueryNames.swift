import XGraphCore
import XGraphSpec
import XGraphStore

/// The step and `--where` names a query may use, so that a typo (`--step evl`, `model=d9`) is an
/// error with "did you mean", as the YAML loader gives, instead of an empty table that exits 0.
/// With an experiment file the names are the file's (every node, built or not); without one,
/// those of the indexed runs.
struct QueryNames {
    /// Where the names come from, for messages: "in the experiment file", "among the indexed runs".
    let source: String
    /// In order of first appearance.
    private(set) var steps: [String] = []
    /// Per step, its axes in order and each axis's values in order of first appearance.
    private var axes: [String: [(axis: String, values: [String])]] = [:]

    init(source: String, units: [(step: String, axes: [AxisEntry])]) {
        self.source = source
        for unit in units {
            if axes[unit.step] == nil { steps.append(unit.step); axes[unit.step] = [] }
            for entry in unit.axes {
                if let i = axes[unit.step]?.firstIndex(where: { $0.axis == entry.name }) {
                    if axes[unit.step]?[i].values.contains(entry.value) == false { axes[unit.step]?[i].values.append(entry.value) }
                } else {
                    axes[unit.step]?.append((entry.name, [entry.value]))
                }
            }
        }
    }

    /// Axes in order of first appearance, with their values (sizes numerically), over `steps`.
    private func axisValues(_ steps: [String]) -> [(axis: String, values: [String])] {
        var out: [(axis: String, values: [String])] = []
        for step in steps {
            for (axis, values) in axes[step] ?? [] {
                if let i = out.firstIndex(where: { $0.axis == axis }) {
                    out[i].values += values.filter { !out[i].values.contains($0) }
                } else {
                    out.append((axis, values))
                }
            }
        }
        let sizes = LabelOrder.Sizes(out.lazy.flatMap(\.values))
        return out.map { ($0.axis, $0.values.sorted { sizes.less($0, $1) }) }
    }

    /// Throws when `q` names a step, an axis or an axis value that `source` does not have.
    func check(_ q: ResultsQuery) throws {
        if let step = q.step, !steps.contains(step) {
            throw XGraphError.usage("--step \(step): no step '\(step)' \(source)"
                + NameSuggestions.didYouMean(step, in: steps) + " steps: " + NameSuggestions.list(steps))
        }
        let scope = q.step.map { "in step '\($0)'" } ?? source
        let known = axisValues(q.step.map { [$0] } ?? steps)
        for filter in q.filters {
            guard let values = known.first(where: { $0.axis == filter.axis })?.values else {
                let names = known.map(\.axis)
                throw XGraphError.usage("--where \(filter): no axis '\(filter.axis)' \(scope)"
                    + NameSuggestions.didYouMean(filter.axis, in: names)
                    + " axes: " + NameSuggestions.list(names))
            }
            guard values.contains(filter.value) else {
                throw XGraphError.usage("--where \(filter): \(filter.axis) is never '\(filter.value)' \(scope)"
                    + NameSuggestions.didYouMean(filter.value, in: values)
                    + " values: " + NameSuggestions.list(values))
            }
        }
    }
}
