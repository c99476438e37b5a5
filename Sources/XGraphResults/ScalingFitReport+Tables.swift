import XGraphCore

/// The fit report as tables: flat numeric ones for csv, and a readable text form.
extension ScalingFitReport {
    public var title: String {
        var t = (options.logError ? "log10(1 − \(options.metric))" : options.metric) + " = a + b·log10(\(options.sizeAxis))"
        if let r = options.replicateAxis { t += ", one fit per \(r): b ± se across replicates (df = replicates − 1)" }
        return t
    }

    /// Printed under the text tables: what the numbers mean.
    public static let legend = "± is one standard error; intervals are 95 % (Student t); p is Holm-corrected over the family; "
        + "a verdict appears only where the last segment's slope differs from b at 95 % (docs/results.md)"

    /// One row per series, numbers only (csv): n, sizes, a, b and its SE and interval, df,
    /// R², residual SD, the largest size, the extrapolated value at ten times it, and the last
    /// segment's slope, its difference from b with SE, and the verdict.
    public func fitTable() -> ResultTable {
        let rows = series.map { s -> [JSONValue] in
            let key = s.values.map { $0.map(JSONValue.string) ?? .null }
            guard let f = s.fit else {
                return key + [.int(s.points.count), .int(Set(s.points.map(\.size)).count)] + Array(repeating: .null, count: 18)
            }
            let seg = f.lastSegment
            return key + [
                .int(f.n), .int(f.sizes.count), .double(f.a), .double(f.b), num(f.bSE), num(f.bInterval?.lower),
                num(f.bInterval?.upper), .int(f.df), .double(f.r2), num(f.residualSD), .string(s.label(f.maxSize)),
                .double(f.predictedNextDecade), num(seg?.slope), num(seg?.difference), num(seg?.se),
                f.verdict.map { JSONValue.string($0.rawValue) } ?? .null,
                .int(f.acrossReplicates ? f.replicateSlopes.count : 0), num(s.slopeTest?.p), num(s.slopeTest?.adjustedP),
                num(s.slopeTest?.minimumDetectable),
            ]
        }
        return ResultTable(
            columns: columns + ["n", "sizes", "a", "b_per_decade", "b_se", "b_low95", "b_high95", "df", "r2", "residual_sd",
                                "max_" + options.sizeAxis, "extrapolated_10x", "last_slope", "last_minus_b", "last_minus_b_se",
                                "verdict", "replicates", "p", "p_holm", "mde80"],
            rows: rows, title: title, footer: footer)
    }

    /// One row per series and size: the number of points, their mean and SD.
    public func sizeTable() -> ResultTable {
        let rows = series.flatMap { s in
            ScalingFit.summaries(s.points).map { z -> [JSONValue] in
                s.values.map { $0.map(JSONValue.string) ?? .null }
                    + [.string(s.label(z.size)), .int(z.n), .double(z.mean), num(z.sd)]
            }
        }
        return ResultTable(columns: columns + [options.sizeAxis, "n", "mean", "sd"], rows: rows)
    }

    /// One row per fitted point: its value, the line's and the difference.
    public func residualTable() -> ResultTable {
        let rows = series.flatMap { s in
            (s.fit?.residuals ?? []).map { r -> [JSONValue] in
                s.values.map { $0.map(JSONValue.string) ?? .null } + [.string(s.label(r.size))]
                    + (options.replicateAxis == nil ? [] : [r.replicate.map(JSONValue.string) ?? .null])
                    + [.double(r.value), .double(r.fitted), .double(r.residual)]
            }
        }
        return ResultTable(columns: columns + [options.sizeAxis] + (options.replicateAxis.map { [$0] } ?? [])
                               + ["value", "fitted", "residual"], rows: rows)
    }

    /// One row per compared pair: the group, the pair, b₁ − b₂ with SE, interval, df, resolved.
    public func comparisonTable() -> ResultTable {
        let axis = options.compareAxis ?? "series"
        let groupColumns = columns.filter { $0 != axis }
        let rows = comparisons.map { c -> [JSONValue] in
            let g = c.comparison
            return groupColumns.map { c.group[$0].map(JSONValue.string) ?? .null }
                + [.string(c.first), .string(c.second), num(g?.difference), num(g?.se), num(g?.interval.lower),
                   num(g?.interval.upper), num(g?.df), g.map { JSONValue.bool($0.resolved) } ?? .null,
                   g?.pairs.map(JSONValue.int) ?? .null, num(c.test?.p), num(c.test?.adjustedP), num(c.test?.minimumDetectable)]
        }
        return ResultTable(columns: groupColumns + [axis + "_1", axis + "_2", "b_difference", "se", "low95", "high95",
                                                    "df", "resolved", "pairs", "p", "p_holm", "mde80"], rows: rows)
    }

    /// Aligned text: the fits, then the per-size means (with replicates), the residuals (if
    /// asked) and the comparisons (with a compare axis), then the legend and the footer.
    public func text(residuals: Bool) -> String {
        var parts = [summaryText().render(.table)]
        if options.replicateAxis != nil {
            parts.append(sizeText().render(.table))
        }
        if residuals {
            var r = residualTable()
            r.title = "residuals (value − fitted)"
            parts.append(r.render(.table))
        }
        if options.compareAxis != nil {
            parts.append(comparisonText().render(.table))
        }
        var tail = family.description + "\n" + Self.legend
        if let footer { tail += "\n" + footer }
        parts.append(tail)
        return parts.joined(separator: "\n\n")
    }

    public func summaryText() -> ResultTable {
        let rows = series.map { s -> [JSONValue] in
            let key = s.values.map { $0.map(JSONValue.string) ?? .null }
            guard let f = s.fit else {
                return key + [.int(s.points.count)] + Array(repeating: .null, count: 10)
            }
            let seg = f.lastSegment
            return key + [
                .int(f.n), .string(pm(f.b, f.bSE)), f.bInterval.map { JSONValue.string(interval($0)) } ?? .null, .int(f.df),
                s.slopeTest.map { JSONValue.string(pValue($0.adjustedP)) } ?? .null,
                s.slopeTest.map { JSONValue.string(decision($0)) } ?? .null, .double(f.r2),
                .string(s.label(f.maxSize)), .double(f.predictedNextDecade),
                seg.map { JSONValue.string(pm($0.difference, $0.se)) } ?? .null, f.verdict.map { JSONValue.string($0.rawValue) } ?? .null,
            ]
        }
        return ResultTable(
            columns: columns + ["n", "b/decade ± se", "95% interval", "df", "p (Holm)", "b ≠ 0", "r2", "max_" + options.sizeAxis,
                                "extrapolated_10x", "last − b ± se", "verdict"],
            rows: rows, title: title)
    }

    public func sizeText() -> ResultTable {
        let rows = series.flatMap { s in
            ScalingFit.summaries(s.points).map { z -> [JSONValue] in
                s.values.map { $0.map(JSONValue.string) ?? .null }
                    + [.string(s.label(z.size)), .int(z.n), .string(pm(z.mean, z.sd))]
            }
        }
        return ResultTable(columns: columns + [options.sizeAxis, "n", "mean ± sd"], rows: rows,
                           title: "per \(options.sizeAxis): mean ± sd over \(options.replicateAxis ?? "replicates")")
    }

    public func comparisonText() -> ResultTable {
        let axis = options.compareAxis ?? "series"
        let groupColumns = columns.filter { $0 != axis }
        let rows = comparisons.map { c -> [JSONValue] in
            let key = groupColumns.map { c.group[$0].map(JSONValue.string) ?? .null } + [.string("\(c.first) − \(c.second)")]
            guard let g = c.comparison else { return key + [.null, .null, .null, .null, .string("no SE: a series has under 3 points")] }
            return key + [.string(pm(g.difference, g.se)), .string(interval(g.interval)),
                          .string(g.pairs.map { "paired, \($0 - 1)" } ?? "Welch, " + ResultTable.format(g.df)),
                          c.test.map { JSONValue.string(pValue($0.adjustedP)) } ?? .null,
                          .string(c.test.map(decision) ?? (g.resolved ? "resolved" : "not resolved"))]
        }
        return ResultTable(columns: groupColumns + [axis, "Δb ± se", "95% interval", "df", "p (Holm)", "difference"], rows: rows,
                           title: "slopes compared across \(axis)")
    }

    private func num(_ d: Double?) -> JSONValue { d.map(JSONValue.double) ?? .null }

    /// `resolved`, or `not resolved (MDE 0.0123)`: a null result says what it could have seen.
    private func decision(_ t: FamilyTest) -> String {
        t.resolved ? "resolved" : "not resolved" + (t.minimumDetectable.map { " (MDE " + ResultTable.format($0) + ")" } ?? "")
    }

    private func pValue(_ p: Double) -> String {
        p < 0.0001 ? "<0.0001" : String(format: "%.4f", p)
    }

    /// `x ± e`, or `x` alone where there is no e (one point, two sizes). An x a billion times
    /// smaller than its e is rounding noise (a difference of equal slopes) and shows as 0.
    private func pm(_ x: Double, _ e: Double?) -> String {
        let shown = e.map { abs(x) < 1e-9 * $0 } == true ? 0 : x
        return ResultTable.format(shown) + (e.map { " ± " + ResultTable.format($0) } ?? "")
    }

    private func interval(_ i: ScalingFit.Interval) -> String {
        "[\(ResultTable.format(i.lower)), \(ResultTable.format(i.upper))]"
    }
}
