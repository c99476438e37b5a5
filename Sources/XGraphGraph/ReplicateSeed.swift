import XGraphCore
import XGraphSpec

/// A literal `seed` axis on a builtin:subset step draws one subset per seed
/// (replicates): the seed replaces the subset family's `seed` in the node's subset params, which
/// is where the builtin reads its draw seed (docs/builtins.md). Other steps read the literal
/// `seed` at the top level of their params (`{{ seed }}`, builtin:pretrain's `seed`), and keep
/// their subset params as declared: a downstream step may replicate training on one draw.
/// Only steps with such an axis change, so the keys of files without one stay as they were.
struct ReplicateSeed {
    /// The seed axis's index, and the seed of each of its values.
    let axis: Int
    let seeds: [JSONValue]
    /// The subset axes' names.
    let subsetAxes: [String]

    /// Nil unless the step is builtin:subset with a literal axis named `seed` and a subset axis.
    init?(step: StepSpec, points: [[AxisPoint]]) throws {
        guard case .builtin("subset") = step.action,
              let a = step.foreach.firstIndex(where: { axis in
                  if case .literal = axis.source { return axis.name == "seed" } else { return false }
              }) else { return nil }
        subsetAxes = step.foreach.indices.filter { i in
            i != a && !points[i].isEmpty && points[i].allSatisfy { $0.family != nil }
        }.map { step.foreach[$0].name }
        guard !subsetAxes.isEmpty else { return nil }
        axis = a
        seeds = try points[a].map { p -> JSONValue in
            // The draw seed is an unsigned integer (SubsetDraw); say so here, at planning time.
            guard let i = p.object.intValue, i >= 0 else {
                throw XGraphError.spec(step.foreach[a].location, "axis 'seed' of step '\(step.name)' seeds the subset draw, "
                    + "so its values must be integers ≥ 0; got '\(p.label)'")
            }
            return .int(i)
        }
    }

    /// Sets the node's subset params' `seed` to its value on the seed axis.
    func apply(_ params: inout [String: JSONValue], point: [Int]) {
        for name in subsetAxes {
            guard case .object(var o)? = params[name] else { continue }
            o["seed"] = seeds[point[axis]]
            params[name] = .object(o)
        }
    }
}
