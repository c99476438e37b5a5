import XGraphSpec

/// A step's `exclude:` and `only:` as sets of value indices per axis, so that testing a
/// node is a few array lookups.
struct Filters {
    /// One filter entry: for each axis it names, which value indices it accepts.
    private typealias Entry = [(axis: Int, accepts: [Bool])]
    private let exclude: [Entry]
    private let only: [Entry]

    init(step: StepSpec, points: [[AxisPoint]]) throws {
        func compile(_ f: AxisFilter) -> Entry {
            f.values.map { axisName, labels in
                // The loader checked that the axis and its values exist.
                let a = step.foreach.firstIndex { $0.name == axisName }!
                return (a, points[a].map { labels.contains($0.label) })
            }
        }
        exclude = step.exclude.map(compile)
        only = step.only.map(compile)
    }

    func keeps(_ point: [Int]) -> Bool {
        func matches(_ e: Entry) -> Bool { e.allSatisfy { $0.accepts[point[$0.axis]] } }
        if exclude.contains(where: matches) { return false }
        return only.isEmpty || only.contains(where: matches)
    }
}
