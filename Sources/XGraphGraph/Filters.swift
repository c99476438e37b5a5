import XGraphCore
import XGraphSpec

/// A step's `exclude:` and `only:` as sets of value indices per axis, so that testing a
/// node is a few array lookups; and the pairing of each `AXIS.subsets` axis with its dataset
/// axis, which keeps only the combinations whose subset belongs to the node's dataset.
struct Filters {
    /// One filter entry: for each axis it names, which value indices it accepts.
    private typealias Entry = [(axis: Int, accepts: [Bool])]
    private let exclude: [Entry]
    private let only: [Entry]
    /// `data: source.subsets`: subset value `i` of axis `subset` exists only beside value
    /// `datasetOf[i]` of axis `dataset`.
    private let pairs: [(subset: Int, dataset: Int, datasetOf: [Int])]

    init(step: StepSpec, points: [[AxisPoint]]) throws {
        func compile(_ f: AxisFilter) throws -> Entry {
            try f.values.map { axisName, labels in
                guard let a = step.foreach.firstIndex(where: { $0.name == axisName }) else {
                    // The loader checked the names; a filter it let through is a bug, not a trap.
                    throw XGraphError.spec(f.location, "'exclude'/'only' names axis '\(axisName)', which step '\(step.name)' does not have")
                }
                return (a, points[a].map { labels.contains($0.label) })
            }
        }
        exclude = try step.exclude.map(compile)
        only = try step.only.map(compile)
        pairs = step.foreach.indices.compactMap { s in
            guard case .subsetsOf(let axis, _) = step.foreach[s].source,
                  let d = step.foreach.firstIndex(where: { $0.name == axis }) else { return nil }
            return (s, d, points[s].map { p in points[d].firstIndex { $0.label == p.dataset } ?? -1 })
        }
    }

    func keeps(_ point: [Int]) -> Bool {
        for p in pairs where p.datasetOf[point[p.subset]] != point[p.dataset] { return false }
        func matches(_ e: Entry) -> Bool { e.allSatisfy { $0.accepts[point[$0.axis]] } }
        if exclude.contains(where: matches) { return false }
        return only.isEmpty || only.contains(where: matches)
    }
}
