import Foundation

/// A run that could still be made, for `ForecastDesign.choose`.
public struct DesignCandidate: Sendable, Equatable {
    public var id: String
    public var data: Double
    /// The model size (joint law).
    public var model: Double?
    /// GPU-hours of the run itself.
    public var cost: Double
    /// Runs it needs first that are not built (a pretraining for a fine-tune), id → GPU-hours;
    /// paid once however many chosen runs share them.
    public var upstream: [String: Double]

    public init(id: String, data: Double, model: Double? = nil, cost: Double, upstream: [String: Double] = [:]) {
        self.id = id; self.data = data; self.model = model; self.cost = cost; self.upstream = upstream
    }
}

/// One chosen run: what it costs with the upstream runs it adds, and the forecast interval's
/// expected width before and after it (cumulative over the runs chosen before it).
public struct DesignChoice: Sendable, Equatable {
    public var candidate: DesignCandidate
    /// Its GPU-hours plus those of upstream runs no earlier choice paid for.
    public var cost: Double
    public var newUpstream: [String]
    public var widthBefore: Double
    public var widthAfter: Double

    public init(candidate: DesignCandidate, cost: Double, newUpstream: [String], widthBefore: Double, widthAfter: Double) {
        self.candidate = candidate; self.cost = cost; self.newUpstream = newUpstream
        self.widthBefore = widthBefore; self.widthAfter = widthAfter
    }
}

/// Which runs shrink the forecast interval at a target the most per GPU-hour (`xgraph suggest`,
/// docs/results.md, "Choosing the next runs"). The interval's variance is taken to the first
/// order (the delta method): with J the Jacobian of the log law over the runs' sizes and g the
/// gradient of the forecast, Var ∝ gᵀ(JᵀJ)⁻¹g. A run adds its row to J, so its effect is known
/// before it is made; the bootstrap width now is scaled by √(Var after / Var now), and by the
/// change of the t quantile its degrees of freedom give (`Spread`).
public enum ForecastDesign {
    /// The runs to make, in the order to make them. Greedy by variance drop per GPU-hour alone
    /// fills a budget with cheap small runs that barely move an extrapolation (the ratio rule's
    /// known failure on budgets), so plans are also built that start with each of the runs
    /// that shrink the interval most on their own, then fill greedily; the plan with the
    /// narrowest final interval wins. Stops when no affordable run shrinks the interval.
    public static func choose(_ fit: LawSeriesFit, target: ForecastPoint, candidates: [DesignCandidate],
                              budget: Double) -> [DesignChoice] {
        let g = gradient(fit, target)
        let rows0 = fit.points.map { jacobianRow(fit, data: $0.data, model: $0.model) }
        let spread = Spread(fit)
        guard let variance0 = forecastVariance(rows0, g) else { return [] }
        let score0 = spread.score(variance0, runs: rows0.count)
        let width0 = currentWidth(fit, target, variance0)
        let candidateRows = candidates.map { jacobianRow(fit, data: $0.data, model: $0.model) }
        let alone = candidates.indices.compactMap { i -> (Int, Double)? in
            guard candidates[i].cost + candidates[i].upstream.values.reduce(0, +) <= budget + 1e-9,
                  let v = forecastVariance(rows0 + [candidateRows[i]], g) else { return nil }
            return (i, spread.score(v, runs: rows0.count + 1))
        }.sorted { $0.1 < $1.1 }.prefix(20).map(\.0)
        var bestPlan: Plan?
        for first in [nil] + alone.map(Optional.some) {
            var plan = Plan(rows: rows0, score: score0, left: budget, spread: spread)
            if let first { plan.add(first, candidates, candidateRows, g) }
            while let next = plan.bestRatio(candidates, candidateRows, g) { plan.add(next, candidates, candidateRows, g) }
            if let b = bestPlan, b.score <= plan.score { continue }
            bestPlan = plan
        }
        guard let plan = bestPlan else { return [] }
        var width = width0
        return plan.picks.map { pick in
            let after = width0 * (pick.score / score0).squareRoot()
            defer { width = after }
            return DesignChoice(candidate: candidates[pick.index], cost: pick.cost, newUpstream: pick.upstream,
                                widthBefore: width, widthAfter: after)
        }
    }

    /// How the interval's width follows the variance: with residuals resampled it is the expanded
    /// percentile, t(0.975, runs − parameters) standard deviations (`BootstrapDraws.level`), so a
    /// run also narrows it by adding a degree of freedom, which favours cheap runs while there
    /// are few. With seeds resampled as blocks the degrees of freedom do not change with a run.
    struct Spread {
        let parameters: Int
        let runsCount: Bool

        init(_ fit: LawSeriesFit) {
            parameters = fit.estimate.model.parameterCount
            runsCount = fit.scheme != .blocks
        }

        /// Var · t², the squared width up to a constant.
        func score(_ variance: Double, runs: Int) -> Double {
            guard runsCount else { return variance }
            let t = StudentT.quantile(0.5 + ScalingFit.confidence / 2, df: Double(max(runs - parameters, 1)))
            return variance * t * t
        }
    }

    /// A plan being built: the runs picked, the rows of J they add, what is left to spend.
    struct Plan {
        var rows: [[Double]]
        var score: Double
        var left: Double
        let spread: Spread
        var picks: [(index: Int, cost: Double, upstream: [String], score: Double)] = []
        var paid = Set<String>()

        init(rows: [[Double]], score: Double, left: Double, spread: Spread) {
            self.rows = rows; self.score = score; self.left = left; self.spread = spread
        }

        /// Its own cost plus upstream runs not yet paid for.
        func cost(_ c: DesignCandidate) -> (Double, [String]) {
            let fresh = c.upstream.keys.filter { !paid.contains($0) }.sorted()
            return (c.cost + fresh.reduce(0) { $0 + (c.upstream[$1] ?? 0) }, fresh)
        }

        func bestRatio(_ candidates: [DesignCandidate], _ rows: [[Double]], _ g: [Double]) -> Int? {
            let taken = Set(picks.map(\.index))
            var best: (index: Int, value: Double)?
            for i in candidates.indices where !taken.contains(i) {
                let (c, _) = cost(candidates[i])
                guard c <= left + 1e-9, let v = forecastVariance(self.rows + [rows[i]], g) else { continue }
                let s = spread.score(v, runs: self.rows.count + 1)
                guard s < score else { continue }
                let value = (score - s) / max(c, 1e-9)
                if value > (best?.value ?? 0) { best = (i, value) }
            }
            return best?.index
        }

        mutating func add(_ i: Int, _ candidates: [DesignCandidate], _ rows: [[Double]], _ g: [Double]) {
            let (c, fresh) = cost(candidates[i])
            self.rows.append(rows[i])
            if let v = forecastVariance(self.rows, g) { score = spread.score(v, runs: self.rows.count) }
            left -= c
            paid.formUnion(fresh)
            picks.append((i, c, fresh, score))
        }
    }

    /// The bootstrap interval's width at the target, or (without draws) the delta method's
    /// 95 % width with the residual variance.
    static func currentWidth(_ fit: LawSeriesFit, _ target: ForecastPoint, _ variance: Double) -> Double {
        if let band = fit.band(data: target.data, model: target.model) { return band.upper - band.lower }
        let p = fit.estimate.model.parameterCount
        let r = fit.residuals.map(\.logResidual)
        let s2 = r.reduce(0) { $0 + $1 * $1 } / Double(max(r.count - p, 1))
        return 2 * 1.96 * (variance * s2).squareRoot()
    }

    /// ∂ ln L̂ / ∂θ at (D, N).
    static func jacobianRow(_ fit: LawSeriesFit, data: Double, model: Double?) -> [Double] {
        let s = LawSample(data: data, model: model ?? 1, loss: 1, block: nil)
        return fit.estimate.model.residuals(fit.estimate.theta, [s]).jacobian[0]
    }

    /// ∂ metric / ∂θ at the target (the sign does not matter for a variance).
    static func gradient(_ fit: LawSeriesFit, _ target: ForecastPoint) -> [Double] {
        let l = fit.estimate.loss(data: target.data, model: target.model ?? 1)
        return jacobianRow(fit, data: target.data, model: target.model).map { $0 * l }
    }

    /// gᵀ(JᵀJ + εI)⁻¹g; the small ridge keeps a parameter the data cannot see (an irreducible
    /// term at its bound) from making the matrix singular. nil when it is singular anyway.
    static func forecastVariance(_ rows: [[Double]], _ g: [Double]) -> Double? {
        let p = g.count
        var m = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for r in rows { for a in 0..<p { for b in 0..<p { m[a][b] += r[a] * r[b] } } }
        let scale = (0..<p).map { m[$0][$0] }.max() ?? 0
        guard scale > 0 else { return nil }
        for a in 0..<p { m[a][a] += 1e-9 * scale }
        guard let x = LinearSolve.solve(m, g) else { return nil }
        let v = zip(g, x).reduce(0) { $0 + $1.0 * $1.1 }
        return v.isFinite && v > 0 ? v : nil
    }
}
