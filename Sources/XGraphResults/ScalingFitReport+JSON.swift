import XGraphCore

/// `xgraph fit --format json`: one object, documented field by field in docs/results.md.
/// Fields are only ever added, never renamed or removed.
extension ScalingFitReport {
    public var json: JSONValue {
        var doc: [String: JSONValue] = [
            "metric": .string(options.metric),
            "scale": .string(options.logError ? "log10(1 - metric)" : "metric"),
            "size_axis": .string(options.sizeAxis),
            "series_axes": .array(options.seriesAxes.map(JSONValue.string)),
            "key_columns": .array(columns.map(JSONValue.string)),
            "replicates": options.replicateAxis.map(JSONValue.string) ?? .null,
            "confidence": .double(ScalingFit.confidence),
            "series": .array(series.map(seriesJSON)),
            "family": .object(["slope_tests": .int(family.slopeTests), "comparisons": .int(family.comparisons),
                               "correction": "holm", "alpha": .double(MultipleTests.alpha), "power": .double(MultipleTests.power)]),
        ]
        if let axis = options.compareAxis {
            doc["compare"] = .string(axis)
            doc["comparisons"] = .array(comparisons.map(comparisonJSON))
        }
        return .object(doc)
    }

    private func seriesJSON(_ s: ScalingSeries) -> JSONValue {
        let sizes = ScalingFit.summaries(s.points).map { z -> JSONValue in
            .object(["label": .string(s.label(z.size)), "size": .double(z.size), "n": .int(z.n),
                     "mean": .double(z.mean), "sd": num(z.sd)])
        }
        var o: [String: JSONValue] = [
            "key": .object(s.key.mapValues(JSONValue.string)),
            "n": .int(s.points.count),
            "sizes": .array(sizes),
            "fit": s.fit.map { fitJSON($0, s) } ?? .null,
            "slope_test": s.slopeTest.map(testJSON) ?? .null,
        ]
        o["residuals"] = .array((s.fit?.residuals ?? []).map { r -> JSONValue in
            .object(["label": .string(s.label(r.size)), "size": .double(r.size), "replicate": r.replicate.map(JSONValue.string) ?? .null,
                     "value": .double(r.value), "fitted": .double(r.fitted), "residual": .double(r.residual)])
        })
        return .object(o)
    }

    private func fitJSON(_ f: ScalingFit.Fit, _ s: ScalingSeries) -> JSONValue {
        let next = f.predict(size: f.maxSize * 10)
        var o: [String: JSONValue] = [
            "a": .double(f.a), "b": .double(f.b), "b_se": num(f.bSE), "b_interval": interval(f.bInterval),
            "df": .int(f.df), "r2": .double(f.r2), "residual_sd": num(f.residualSD),
            "min_size": .double(f.minSize), "max_size": .double(f.maxSize),
            "prediction_10x": .object(["size": .double(next.size), "value": .double(next.value),
                                       "extrapolated": .bool(next.extrapolated)]),
            "verdict": f.verdict.map { JSONValue.string($0.rawValue) } ?? .null,
            "unit": .string(f.acrossReplicates ? "replicates" : "points"),
            "replicate_slopes": .object(f.replicateSlopes.mapValues(JSONValue.double)),
        ]
        o["last_segment"] = f.lastSegment.map { g -> JSONValue in
            .object(["from": .string(s.label(g.fromSize)), "to": .string(s.label(g.toSize)), "slope": .double(g.slope),
                     "difference": .double(g.difference), "se": .double(g.se), "df": .double(g.df),
                     "variance": .string(g.variance.rawValue), "interval": interval(g.interval),
                     "significant": .bool(g.significant)])
        } ?? .null
        return .object(o)
    }

    private func comparisonJSON(_ c: ScalingSeriesComparison) -> JSONValue {
        let g = c.comparison
        return .object([
            "group": .object(c.group.mapValues(JSONValue.string)), "first": .string(c.first), "second": .string(c.second),
            "difference": num(g?.difference), "se": num(g?.se), "df": num(g?.df),
            "interval": interval(g?.interval), "resolved": g.map { JSONValue.bool($0.resolved) } ?? .null,
            "pairs": g?.pairs.map(JSONValue.int) ?? .null, "test": c.test.map(testJSON) ?? .null,
        ])
    }

    private func testJSON(_ t: FamilyTest) -> JSONValue {
        .object(["p": .double(t.p), "p_holm": .double(t.adjustedP), "resolved": .bool(t.resolved),
                 "mde80": num(t.minimumDetectable)])
    }

    private func num(_ d: Double?) -> JSONValue { d.map(JSONValue.double) ?? .null }

    private func interval(_ i: ScalingFit.Interval?) -> JSONValue {
        i.map { .array([.double($0.lower), .double($0.upper)]) } ?? .null
    }
}
