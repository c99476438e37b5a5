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
/// before it is made; the bootstrap width now is scaled by √(Var after / Var now), averaged over
/// the bootstrap's parameter vectors (`Criterion`), and by the change of the expanded percentile
/// its degrees of freedom give, as far as the draws can show it (`Spread`).
public enum ForecastDesign {
    /// The runs to make, in the order to make them. Greedy by variance drop per GPU-hour alone
    /// fills a budget with cheap small runs that barely move an extrapolation (the ratio rule's
    /// known failure on budgets), so plans are also built that start with each of the runs
    /// that shrink the interval most on their own, then fill greedily; the plan with the
    /// narrowest final interval wins. Stops when no affordable run shrinks the interval.
    ///
    /// The variance is averaged over the fit's bootstrap draws (`Criterion`), not taken at the
    /// estimate alone: early in a study the law is poorly pinned down, and a design that is
    /// best only for the estimate's exponent can be poor for the exponents the data still allow.
    public static func choose(_ fit: LawSeriesFit, target: ForecastPoint, candidates: [DesignCandidate],
                              budget: Double) -> [DesignChoice] {
        let spread = Spread(fit)
        guard let criterion = Criterion(fit, target: target, candidates: candidates),
              // The estimate's own variance of the metric, for a width when there are no draws.
              let variance0 = forecastVariance(criterion.measured[0], gradient(fit, target)) else { return [] }
        let runs0 = fit.points.count
        let score0 = spread.score(1, runs: runs0)
        let width0 = currentWidth(fit, target, variance0)
        let start = criterion.measured
        let alone = candidates.indices.compactMap { i -> (Int, Double)? in
            guard candidates[i].cost + candidates[i].upstream.values.reduce(0, +) <= budget + 1e-9,
                  let v = criterion.relativeVariance(start, adding: i) else { return nil }
            return (i, spread.score(v, runs: runs0 + 1))
        }.sorted { $0.1 < $1.1 }.prefix(20).map(\.0)
        var bestPlan: Plan?
        for first in [nil] + alone.map(Optional.some) {
            var plan = Plan(information: start, runs: runs0, score: score0, left: budget, spread: spread)
            if let first { plan.add(first, candidates, criterion) }
            while let next = plan.bestRatio(candidates, criterion) { plan.add(next, candidates, criterion) }
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

    /// The forecast variance of a set of runs, by the delta method, under the estimate and up to
    /// `drawsUsed` of the bootstrap's parameter vectors (evenly spread over them), each relative
    /// to that vector's variance with the measured runs alone, then averaged: the expected share
    /// of today's variance left (a pseudo-Bayesian c-optimal criterion, with the bootstrap as the
    /// parameters' distribution). Relative, so no one vector's scale outweighs the others.
    struct Criterion {
        static let drawsUsed = 24
        /// Per parameter vector: ∂ ln L̂/∂θ at the target (its scale cancels in the ratio).
        let gradients: [[Double]]
        /// Per parameter vector: JᵀJ of the measured runs.
        let measured: [[[Double]]]
        /// Per parameter vector: the variance with the measured runs alone.
        let baseline: [Double]
        /// Per candidate, per parameter vector: its row of J.
        let rows: [[[Double]]]

        init?(_ fit: LawSeriesFit, target: ForecastPoint, candidates: [DesignCandidate]) {
            let model = fit.estimate.model
            let step = max(fit.thetas.count / Self.drawsUsed, 1)
            let drawn = stride(from: 0, to: fit.thetas.count, by: step).prefix(Self.drawsUsed).map { fit.thetas[$0] }
            var gradients: [[Double]] = [], measured: [[[Double]]] = [], baseline: [Double] = [], thetas: [[Double]] = []
            for theta in [fit.estimate.theta] + drawn {
                let row = { (d: Double, m: Double?) in model.residuals(theta, [LawSample(data: d, model: m ?? 1, loss: 1, block: nil)]).jacobian[0] }
                let g = row(target.data, target.model)
                let m = ForecastDesign.information(fit.points.map { row($0.data, $0.model) }, parameters: g.count)
                // A vector under which the measured runs say nothing of the target is left out.
                guard g.allSatisfy(\.isFinite), let v = forecastVariance(m, g) else {
                    if thetas.isEmpty { return nil }
                    continue
                }
                thetas.append(theta); gradients.append(g); measured.append(m); baseline.append(v)
            }
            self.gradients = gradients; self.measured = measured; self.baseline = baseline
            rows = candidates.map { c in
                thetas.map { model.residuals($0, [LawSample(data: c.data, model: c.model ?? 1, loss: 1, block: nil)]).jacobian[0] }
            }
        }

        /// The mean share of today's variance left with `information` and candidate `i` (nil: none).
        func relativeVariance(_ information: [[[Double]]], adding i: Int? = nil) -> Double? {
            var sum = 0.0, n = 0
            for b in gradients.indices {
                var m = information[b]
                if let i { ForecastDesign.addRow(rows[i][b], to: &m) }
                guard let v = forecastVariance(m, gradients[b]) else { continue }
                sum += v / baseline[b]; n += 1
            }
            return n > 0 ? sum / Double(n) : nil
        }
    }

    /// How the interval's width follows the variance: with residuals resampled it is the expanded
    /// percentile (`BootstrapDraws.level`), about t(0.975, runs − parameters) standard deviations,
    /// so a run also narrows it by adding a degree of freedom. With seeds resampled as blocks the
    /// degrees of freedom do not change with a run.
    ///
    /// The expansion is taken as the draws can give it. With few degrees of freedom the level is
    /// near 1 (t = 12.7 at df 1, 4.3 at df 2), but a percentile of N draws cannot reach past their
    /// extremes, about 2.7 standard deviations for 200 draws and 3.2 for 1000: the interval the
    /// fit will really print. Taking t² at face value made the first degrees of freedom look worth
    /// 5–20× the variance, so suggest filled the start of a plan with the cheapest runs only for
    /// their degrees of freedom, and its interval at a quarter and half of the budget was wider
    /// than a uniform grid's (`make bench`, science, design).
    struct Spread {
        let parameters: Int
        let runsCount: Bool
        /// Bootstrap draws the interval is a percentile of; nil without draws (the t quantile).
        let draws: Int?

        init(_ fit: LawSeriesFit) {
            parameters = fit.estimate.model.parameterCount
            runsCount = fit.scheme != .blocks
            draws = fit.draws > 0 ? fit.draws : nil
        }

        /// Var · z², the squared width up to a constant.
        func score(_ variance: Double, runs: Int) -> Double {
            guard runsCount else { return variance }
            let df = max(runs - parameters, 1)
            let z = draws.map { Self.reach(df: df, draws: $0) }
                ?? StudentT.quantile(0.5 + ScalingFit.confidence / 2, df: Double(df))
            return variance * z * z
        }

        /// The expected half-width, in standard deviations of a normal bootstrap distribution, of
        /// the expanded percentile interval of `draws` draws at `df` degrees of freedom: the lower
        /// quantile (1 − level)/2 interpolated among the sorted draws (`Percentile.quantile`) lies
        /// at position h = q·(N − 1) from the smallest, whose expected normal score is
        /// Φ⁻¹((h + 1 − 0.375)/(N + 0.25)) (Blom's order-statistic approximation). For many draws
        /// this is t(0.975, df).
        static func reach(df: Int, draws: Int) -> Double {
            let level = BootstrapDraws.expandedLevel(df: df)
            let q = (1 - level) / 2
            let n = Double(max(draws, 2))
            let h = q * (n - 1)
            return -NormalQuantile.of((h + 1 - 0.375) / (n + 0.25))
        }
    }

    /// A plan being built: the runs picked, JᵀJ under each parameter vector with them, what is
    /// left to spend.
    struct Plan {
        var information: [[[Double]]]
        var runs: Int
        var score: Double
        var left: Double
        let spread: Spread
        var picks: [(index: Int, cost: Double, upstream: [String], score: Double)] = []
        var paid = Set<String>()

        init(information: [[[Double]]], runs: Int, score: Double, left: Double, spread: Spread) {
            self.information = information; self.runs = runs; self.score = score; self.left = left; self.spread = spread
        }

        /// Its own cost plus upstream runs not yet paid for.
        func cost(_ c: DesignCandidate) -> (Double, [String]) {
            let fresh = c.upstream.keys.filter { !paid.contains($0) }.sorted()
            return (c.cost + fresh.reduce(0) { $0 + (c.upstream[$1] ?? 0) }, fresh)
        }

        func bestRatio(_ candidates: [DesignCandidate], _ criterion: Criterion) -> Int? {
            let taken = Set(picks.map(\.index))
            var best: (index: Int, value: Double)?
            for i in candidates.indices where !taken.contains(i) {
                let (c, _) = cost(candidates[i])
                guard c <= left + 1e-9, let v = criterion.relativeVariance(information, adding: i) else { continue }
                let s = spread.score(v, runs: runs + 1)
                guard s < score else { continue }
                let value = (score - s) / max(c, 1e-9)
                if value > (best?.value ?? 0) { best = (i, value) }
            }
            return best?.index
        }

        mutating func add(_ i: Int, _ candidates: [DesignCandidate], _ criterion: Criterion) {
            let (c, fresh) = cost(candidates[i])
            for b in information.indices { ForecastDesign.addRow(criterion.rows[i][b], to: &information[b]) }
            runs += 1
            if let v = criterion.relativeVariance(information) { score = spread.score(v, runs: runs) }
            left -= c
            paid.formUnion(fresh)
            picks.append((i, c, fresh, score))
        }
    }

    /// JᵀJ of `rows`.
    static func information(_ rows: [[Double]], parameters p: Int) -> [[Double]] {
        var m = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
        for r in rows { addRow(r, to: &m) }
        return m
    }

    static func addRow(_ r: [Double], to m: inout [[Double]]) {
        for a in r.indices { for b in r.indices { m[a][b] += r[a] * r[b] } }
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

    /// gᵀ(JᵀJ + εI)⁻¹g for the information matrix m = JᵀJ; the small ridge keeps a parameter the
    /// data cannot see (an irreducible term at its bound) from making the matrix singular. nil
    /// when it is singular anyway.
    static func forecastVariance(_ information: [[Double]], _ g: [Double]) -> Double? {
        let p = g.count
        var m = information
        let scale = (0..<p).map { m[$0][$0] }.max() ?? 0
        guard scale > 0, scale.isFinite else { return nil }
        for a in 0..<p { m[a][a] += 1e-9 * scale }
        guard let x = LinearSolve.solve(m, g) else { return nil }
        let v = zip(g, x).reduce(0) { $0 + $1.0 * $1.1 }
        return v.isFinite && v > 0 ? v : nil
    }
}
