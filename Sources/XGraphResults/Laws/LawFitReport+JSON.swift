import XGraphCore

/// `xgraph fit --law power|joint --format json`: one object, documented field by field in
/// docs/results.md ("Scaling laws: json"). Self-contained: the series are under `laws`, apart
/// from the log-linear fit's `series`. Fields are only ever added, never renamed or removed.
extension LawFitReport {
    public var json: JSONValue {
        let o = options
        return .object([
            "law": .string(o.law.rawValue),
            "metric": .string(o.metric),
            "direction": .string(direction.name),
            "fitted": .string(direction.fitted(o.metric)),
            "size_axis": .string(o.sizeAxis),
            "data_size": .string((o.dataSize ?? .axis(o.sizeAxis)).description),
            "model_size": o.modelSize.map { .string($0.description) } ?? .null,
            "key_columns": .array(columns.map(JSONValue.string)),
            "replicates": o.replicateAxis.map(JSONValue.string) ?? .null,
            "huber_delta": .double(o.delta),
            "bootstrap": .object(["replicates": .int(o.bootstrap), "seed": Int(exactly: o.seed).map(JSONValue.int) ?? .string(String(o.seed))]),
            "confidence": .double(ScalingFit.confidence),
            "skipped_runs": .int(skipped),
            "laws": .array(series.map(seriesJSON)),
        ])
    }

    private func seriesJSON(_ s: LawSeriesReport) -> JSONValue {
        var out: [String: JSONValue] = [
            "key": .object(s.key.mapValues(JSONValue.string)),
            "n": .int(s.points.count),
            "error": s.error.map(JSONValue.string) ?? .null,
            "comparison": .array(s.comparison.map { c in
                .object(["law": .string(c.law.rawValue), "mean_abs_error": num(c.meanAbsError),
                         "largest_size_error": num(c.largestSizeError), "sizes": .int(c.sizes)])
            }),
        ]
        guard let f = s.fit else {
            out["law"] = .string(options.law.rawValue)
            out["parameters"] = .array([])
            out["forecasts"] = .array([])
            out["residuals"] = .array([])
            return .object(out)
        }
        let e = f.estimate
        out["law"] = .string(e.law.rawValue)
        out["parameters"] = .array(e.law.parameterNames.indices.map { i in
            .object(["name": .string(e.law.parameterNames[i]), "estimate": .double(e.values[i]), "interval": interval(f.intervals[i])])
        })
        out["optimum"] = .object(["objective": .double(e.objective), "starts": .int(e.starts),
                                  "starts_at_optimum": .int(e.startsAtOptimum), "warning": e.warning.map(JSONValue.string) ?? .null])
        out["bootstrap"] = .object(["scheme": f.scheme.map { .string($0.rawValue) } ?? .null, "draws": .int(f.draws),
                                    "failed": .int(f.failedDraws), "no_interval": f.noIntervalReason.map(JSONValue.string) ?? .null,
                                    "collapsed": f.bootstrapWarning.map(JSONValue.string) ?? .null])
        out["range"] = .object(["min_data": .double(f.minData), "max_data": .double(f.maxData), "max_model": num(f.maxModel)])
        out["forecasts"] = .array(f.forecasts.map { forecastJSON($0, s) })
        out["residuals"] = .array(f.residuals.map { r in
            .object(["label": .string(s.label(r.point.data)), "data": .double(r.point.data), "model": num(r.point.model),
                     "replicate": r.point.replicate.map(JSONValue.string) ?? .null, "node": r.point.node.map(JSONValue.string) ?? .null,
                     "value": .double(r.point.value), "fitted": .double(r.fitted), "log_residual": .double(r.logResidual)])
        })
        return .object(out)
    }

    /// Typed step by step: as one literal it took the type checker past its limit.
    private func forecastJSON(_ c: LawForecast, _ s: LawSeriesReport) -> JSONValue {
        var o: [String: JSONValue] = [:]
        o["at"] = .string(c.at.label)
        o["data"] = .double(c.at.data)
        o["model"] = num(c.at.model)
        o["value"] = .double(c.value)
        o["interval"] = interval(c.interval)
        o["decades"] = .object(["data": .double(c.dataDecades), "model": num(c.modelDecades)])
        o["extrapolated"] = .bool(c.extrapolated)
        o["suggested"] = .null
        if let r = suggested[LawSeriesReport.keyText(s.key) + "\n" + c.at.label] {
            let runs: [JSONValue] = r.runs.map(JSONValue.string)
            o["suggested"] = .object(["created": .string(r.created), "interval": .array(r.interval.map(JSONValue.double)),
                                      "expected": .array(r.expected.map(JSONValue.double)), "runs": .array(runs)])
        }
        return .object(o)
    }

    private func num(_ d: Double?) -> JSONValue { d.map(JSONValue.double) ?? .null }

    private func interval(_ i: ScalingFit.Interval?) -> JSONValue {
        i.map { .array([.double($0.lower), .double($0.upper)]) } ?? .null
    }
}
