import Foundation
import XGraphCore
import XGraphResults

/// Issue 25's science targets, on studies simulated from a known power law with log-normal
/// noise: (1) calibration: the 95 % bootstrap interval of the forecast at ten times the largest
/// size covers the truth in 90–99 % of 200 studies; (2) design: sequential studies from the
/// smallest corner of a grid, where `suggest`'s choice (`ForecastDesign`) reaches the uniform
/// grid's final interval width with at most half of the uniform grid's GPU-hours.
enum ScienceBench {
    static func run(studies: Int = 200, designStudies: Int = 20) {
        say("\n== science: scaling-law forecasts (simulated studies from a known law)")
        calibration(studies: studies)
        design(studies: designStudies)
    }

    /// A study's law and noise: L(D) = E + A·D^(−α), each run off by a factor e^(σ·z).
    struct World {
        var E: Double, A: Double, alpha: Double, sigma: Double
        var rng: SplitMix64

        init(seed: UInt64, sigma: Double) {
            rng = SplitMix64(seed: seed)
            self.sigma = sigma
            E = 0; A = 0; alpha = 0
            E = 0.1 + 0.4 * rng.nextUnit()
            alpha = 0.2 + 0.4 * rng.nextUnit()
            // The reducible part is 1–3× E at the smallest size (1e5): a curve that still bends.
            A = E * (1 + 2 * rng.nextUnit()) * pow(1e5, alpha)
        }

        func truth(_ d: Double) -> Double { E + A * pow(d, -alpha) }

        mutating func run(_ d: Double, seed: Int) -> LawPoint {
            let u = max(rng.nextUnit(), 1e-300), v = rng.nextUnit()
            let z = (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
            return LawPoint(data: d, value: truth(d) * exp(sigma * z), replicate: nil, node: "d=\(d)/seed=\(seed)")
        }
    }

    static func sizes(_ n: Int, from lo: Double, to hi: Double) -> [Double] {
        (0..<n).map { i in (lo * pow(hi / lo, Double(i) / Double(n - 1))).rounded() }
    }

    static func calibration(studies: Int) {
        let grid = sizes(6, from: 1e5, to: 1e7)
        let target = ForecastPoint(data: 1e8, label: "data=100M")
        var covered = 0, fitted = 0
        var widths: [Double] = [], errors: [Double] = []
        let start = Date()
        for s in 0..<studies {
            var w = World(seed: UInt64(1000 + s), sigma: 0.02)
            let points = grid.map { w.run($0, seed: 0) }
            guard let fit = try? LawFitter.fit(points, LawSettings(law: .power, bootstrap: 400, seed: UInt64(s)), at: [target]),
                  let f = fit.forecasts.first, let iv = f.interval else { continue }
            fitted += 1
            let truth = w.truth(target.data)
            if iv.contains(truth) { covered += 1 }
            widths.append((iv.upper - iv.lower) / truth)
            errors.append(abs(f.value - truth) / truth)
        }
        let rate = Double(covered) / Double(max(fitted, 1))
        say("  calibration: \(fitted) of \(studies) studies fitted (6 sizes 100k…10M, one run each, noise 2 %), "
            + "forecast at 100M (1 decade out), 400 residual-bootstrap draws each, \(String(format: "%.1f s", Date().timeIntervalSince(start)))")
        say("    95 % intervals cover the truth in \(String(format: "%.1f %%", rate * 100)) (target 90–99 %); "
            + "median width \(pct(median(widths))) of the truth, median |error| \(pct(median(errors)))")
    }

    /// One strategy's path: (GPU-hours spent, interval width, |error|) after each run.
    struct Path { var steps: [(cost: Double, width: Double, error: Double)] = [] }

    static func design(studies: Int) {
        let grid = sizes(8, from: 1e5, to: 1e7)
        let cost = { (d: Double) in d / 1e6 }  // GPU-hours: linear in data
        let target = ForecastPoint(data: 1e8, label: "data=100M")
        let corner = Array(grid.prefix(4))
        let rest = Array(grid.dropFirst(4))
        let budget = rest.map(cost).reduce(0, +)
        var uniformWidth: [Double] = [], uniformError: [Double] = []
        var largestWidth: [Double] = [], largestError: [Double] = []
        var suggestHalf: [Double] = [], suggestFull: [Double] = [], suggestErrorFull: [Double] = []
        var reach: [Double] = []
        let start = Date()
        for s in 0..<studies {
            var w = World(seed: UInt64(5000 + s), sigma: 0.02)
            let base = corner.map { w.run($0, seed: 0) }
            // Pre-drawn outcomes, so every strategy meets the same run when it makes the same one.
            var outcome: [String: LawPoint] = [:]
            for d in grid { for seed in 0..<4 { outcome["\(d)/\(seed)"] = w.run(d, seed: seed) } }
            let measure = { (points: [LawPoint]) -> (Double, Double)? in
                guard let fit = try? LawFitter.fit(points, LawSettings(law: .power, bootstrap: 200, seed: 1), at: [target]),
                      let f = fit.forecasts.first, let iv = f.interval else { return nil }
                let truth = w.truth(target.data)
                return ((iv.upper - iv.lower) / truth, abs(f.value - truth) / truth)
            }
            // Uniform: the rest of the grid, one run per size.
            guard let u = measure(base + rest.map { outcome["\($0)/0"]! }) else { continue }
            uniformWidth.append(u.0); uniformError.append(u.1)
            // Largest first: repeats of the largest size while the budget lasts.
            var largest = base, spent = 0.0
            for seed in 0..<4 where spent + cost(grid[7]) <= budget + 1e-9 {
                largest.append(outcome["\(grid[7])/\(seed)"]!); spent += cost(grid[7])
            }
            for d in rest.reversed() where spent + cost(d) <= budget + 1e-9 && d != grid[7] {
                largest.append(outcome["\(d)/0"]!); spent += cost(d)
            }
            if let l = measure(largest) { largestWidth.append(l.0); largestError.append(l.1) }
            // Suggest: one run at a time, refitted after each.
            var points = base, used = Set<String>(), paid = 0.0
            var path = Path()
            while true {
                guard let fit = try? LawFitter.fit(points, LawSettings(law: .power, bootstrap: 200, seed: 1), at: [target]) else { break }
                let candidates = grid.flatMap { d in (0..<4).compactMap { seed -> DesignCandidate? in
                    let id = "\(d)/\(seed)"
                    if used.contains(id) || (seed == 0 && corner.contains(d)) { return nil }
                    return DesignCandidate(id: id, data: d, cost: cost(d))
                } }
                guard let next = ForecastDesign.choose(fit, target: target, candidates: candidates, budget: budget - paid).first,
                      let p = outcome[next.candidate.id] else { break }
                used.insert(next.candidate.id); paid += next.cost
                points.append(p)
                if let m = measure(points) { path.steps.append((paid, m.0, m.1)) }
            }
            let at = { (b: Double) in path.steps.last { $0.cost <= b + 1e-9 } }
            if let h = at(budget / 2) { suggestHalf.append(h.width) }
            if let f = at(budget) { suggestFull.append(f.width); suggestErrorFull.append(f.error) }
            reach.append((path.steps.first { $0.width <= u.0 }?.cost ?? .infinity) / budget)
        }
        let within = reach.filter { $0 <= 0.5 }.count
        say("  design: \(uniformWidth.count) sequential studies from the 4 smallest of 8 sizes (100k…10M, cost ∝ size), "
            + "forecast at 100M; budget = the uniform grid's \(String(format: "%.1f", budget)) GPU-h, \(String(format: "%.1f s", Date().timeIntervalSince(start)))")
        say("    median interval width / |error| (of the truth): uniform grid \(pct(median(uniformWidth))) / \(pct(median(uniformError))), "
            + "largest first \(pct(median(largestWidth))) / \(pct(median(largestError)))")
        say("    suggest: \(pct(median(suggestHalf))) at half the budget, \(pct(median(suggestFull))) / \(pct(median(suggestErrorFull))) at the full budget")
        say("    suggest reaches the uniform grid's final width with median \(pct(median(reach))) of its budget; "
            + "within half in \(within) of \(reach.count) studies (target: ≤ 50 %)")
    }

    static func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        return s.isEmpty ? .nan : s[s.count / 2]
    }

    static func pct(_ x: Double) -> String { x.isFinite ? String(format: "%.1f %%", x * 100) : "never" }
}
