import Foundation

/// Levenberg–Marquardt on a Huber loss: minimises Σ ρ_δ(rᵢ(θ)) with ρ_δ(r) = r²/2 for |r| ≤ δ and
/// δ|r| − δ²/2 beyond, by iteratively reweighted least squares (each step is a damped
/// Gauss–Newton step on the residuals weighted min(1, δ/|rᵢ|)), which converges to the Huber
/// optimum. The laws have at most five parameters, so the normal equations are solved directly.
/// SciPy's `least_squares(loss='huber', f_scale=δ)` minimises the same objective (its cost is
/// half of Σ ρ with the same δ), which the SciPy comparison test relies on.
struct HuberLM {
    /// Residuals and their Jacobian (one row per residual) at θ.
    typealias Residuals = ([Double]) -> (r: [Double], jacobian: [[Double]])

    var delta: Double
    var maxIterations = 300
    /// Bounds each parameter is projected onto after a step (the exponent of a law must stay
    /// positive and finite; a log-amplitude far below the data is as good as zero).
    var lower: [Double]
    var upper: [Double]

    struct Result {
        var theta: [Double]
        var objective: Double
        var iterations: Int
        var converged: Bool
    }

    func loss(_ r: [Double]) -> Double {
        r.reduce(0) { s, x in
            let a = abs(x)
            return s + (a <= delta ? 0.5 * x * x : delta * a - 0.5 * delta * delta)
        }
    }

    func minimise(from start: [Double], _ f: Residuals) -> Result {
        var theta = project(start)
        var (r, jac) = f(theta)
        var objective = loss(r)
        guard objective.isFinite else { return Result(theta: theta, objective: .infinity, iterations: 0, converged: false) }
        var lambda = 1e-3
        let p = theta.count
        for iteration in 1...maxIterations {
            // IRLS weights of the Huber loss: 1 inside δ, δ/|r| outside.
            var jtj = [[Double]](repeating: [Double](repeating: 0, count: p), count: p)
            var jtr = [Double](repeating: 0, count: p)
            for (ri, row) in zip(r, jac) {
                let w = abs(ri) <= delta ? 1.0 : delta / abs(ri)
                for a in 0..<p {
                    jtr[a] += w * row[a] * ri
                    for b in 0...a { jtj[a][b] += w * row[a] * row[b] }
                }
            }
            for a in 0..<p { for b in 0..<a { jtj[b][a] = jtj[a][b] } }
            var improved = false
            while lambda < 1e12 {
                var m = jtj
                for a in 0..<p { m[a][a] += lambda * max(jtj[a][a], 1e-12) }
                guard let step = LinearSolve.solve(m, jtr.map { -$0 }) else { lambda *= 10; continue }
                let candidate = project(zip(theta, step).map(+))
                let (r2, jac2) = f(candidate)
                let o2 = loss(r2)
                if o2.isFinite && o2 <= objective {
                    let gain = objective - o2
                    let moved = zip(candidate, theta).map { abs($0 - $1) }.max() ?? 0
                    theta = candidate; r = r2; jac = jac2
                    let before = objective
                    objective = o2
                    lambda = max(lambda / 3, 1e-12)
                    improved = true
                    if gain <= 1e-14 * max(before, 1e-300) + 1e-300 || moved < 1e-12 {
                        return Result(theta: theta, objective: objective, iterations: iteration, converged: true)
                    }
                    break
                }
                lambda *= 4
            }
            // No damping makes the loss smaller: θ is a minimum as far as the steps can tell.
            if !improved { return Result(theta: theta, objective: objective, iterations: iteration, converged: true) }
        }
        return Result(theta: theta, objective: objective, iterations: maxIterations, converged: false)
    }

    func project(_ theta: [Double]) -> [Double] {
        theta.indices.map { i in min(max(theta[i], lower[i]), upper[i]) }
    }
}

/// Gaussian elimination with partial pivoting, for the small systems of the fits.
enum LinearSolve {
    /// x with m·x = v, or nil when m is singular to working precision.
    static func solve(_ m: [[Double]], _ v: [Double]) -> [Double]? {
        let n = v.count
        var a = m, b = v
        let scale = m.flatMap { $0 }.map(abs).max() ?? 0
        guard scale > 0, scale.isFinite else { return nil }
        for col in 0..<n {
            guard let pivot = (col..<n).max(by: { abs(a[$0][col]) < abs(a[$1][col]) }),
                  abs(a[pivot][col]) > 1e-14 * scale else { return nil }
            a.swapAt(col, pivot); b.swapAt(col, pivot)
            for row in (col + 1)..<n {
                let f = a[row][col] / a[col][col]
                for k in col..<n { a[row][k] -= f * a[col][k] }
                b[row] -= f * b[col]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            var s = b[row]
            for k in (row + 1)..<n { s -= a[row][k] * x[k] }
            x[row] = s / a[row][row]
        }
        return x
    }

    /// The inverse of a small symmetric positive matrix, or nil when it is singular.
    static func inverse(_ m: [[Double]]) -> [[Double]]? {
        let n = m.count
        var columns: [[Double]] = []
        for i in 0..<n {
            var e = [Double](repeating: 0, count: n)
            e[i] = 1
            guard let c = solve(m, e) else { return nil }
            columns.append(c)
        }
        return (0..<n).map { r in (0..<n).map { c in columns[c][r] } }
    }
}
