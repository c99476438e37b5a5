import Foundation
import XGraphCore
import Yams

/// The grid over several datasets' subsets: `foreach: { source: datasets, data:
/// source.subsets }` and `inputs: { dataset: "datasets.{{ source }}" }`. Two datasets' subsets
/// of one size would share a name on a plain subset axis; here a subset is named, matched and
/// read by its dataset and its size.
extension SpecBuilder {
    /// `AXIS` when `node` is the text `AXIS.subsets` and AXIS is not a source kind (so
    /// `subsets.subsets` stays the subset family named `subsets`).
    static func pairedAxisName(_ node: Yams.Node) -> String? {
        guard case .scalar(let s) = node, s.string.hasSuffix(".subsets") else { return nil }
        let axis = String(s.string.dropLast(".subsets".count))
        guard isIdentifier(axis), !sourceKinds.contains(axis) else { return nil }
        return axis
    }

    /// Resolves `AXIS.subsets` (at `node`) against the step's axes: AXIS must range over datasets,
    /// and at least one of its datasets must have subsets.
    func pairedSource(_ axis: String, at node: Yams.Node, axes: [AxisSpec], r: YAMLReader, step: String) throws -> AxisSource {
        let text = "\(axis).subsets"
        let datasetAxes = axes.filter { if case .datasets = $0.source { return true } else { return false } }.map(\.name)
        guard let target = axes.first(where: { $0.name == axis }) else {
            throw r.fail(node, "axis source '\(text)' names no axis '\(axis)' of step '\(step)'"
                + NameSuggestions.didYouMean(axis, in: datasetAxes) + " axes over datasets: " + NameSuggestions.list(datasetAxes)
                + " (AXIS.subsets ranges over the subsets of the datasets on axis AXIS)")
        }
        guard case .datasets(let only) = target.source else {
            throw r.fail(node, "axis source '\(text)' needs axis '\(axis)' to range over datasets, but it ranges over "
                + "\(target.source); write e.g. foreach: { source: datasets, data: source.subsets }")
        }
        guard subsets.contains(where: { only == nil || $0.dataset == only }) else {
            var declared: [String] = []
            for s in subsets where !declared.contains(s.dataset) { declared.append(s.dataset) }
            throw r.fail(node, "axis source '\(text)' takes no value: no subset is declared for "
                + (only.map { "dataset \($0)" } ?? "any dataset")
                + (declared.isEmpty ? " (no subsets are declared)" : " (subsets are declared for \(declared.joined(separator: ", ")))"))
        }
        return .subsetsOf(axis: axis, datasets: only)
    }

    /// `datasets.{{ AXIS }}` as an input: AXIS must be an axis of the step over datasets. Nil
    /// when `target` is not of that form.
    func datasetOnAxis(_ target: String, input: String, at node: Yams.Node, axes: [AxisSpec], r: YAMLReader,
                       step: String) throws -> InputRef? {
        guard target.hasPrefix("datasets.{{"), target.hasSuffix("}}") else { return nil }
        let axis = target.dropFirst("datasets.{{".count).dropLast(2).trimmingCharacters(in: .whitespaces)
        let datasetAxes = axes.filter { if case .datasets = $0.source { return true } else { return false } }.map(\.name)
        guard let a = axes.first(where: { $0.name == axis }) else {
            throw r.fail(node, "input '\(input)' reads '\(target)', but step '\(step)' has no axis '\(axis)'"
                + NameSuggestions.didYouMean(axis, in: datasetAxes) + " axes over datasets: " + NameSuggestions.list(datasetAxes))
        }
        guard case .datasets = a.source else {
            throw r.fail(node, "input '\(input)' reads '\(target)', but axis '\(axis)' of step '\(step)' ranges over "
                + "\(a.source), not datasets; axes over datasets: " + NameSuggestions.list(datasetAxes))
        }
        return .datasetOnAxis(axis)
    }
}
