import Foundation
import XGraphResults

/// The report's forecast panel: a fitted power or joint law on log-log axes (the
/// loss, or a score's error, against data size) with its bootstrap band, the extrapolated
/// region shaded, the forecast with its interval, and `suggest`'s table when there is one.
public struct ForecastPanel: Sendable {
    public var title: String
    public var metric: String
    public var fit: LawSeriesFit
    /// The runs `suggest` chose for the first forecast, in order; empty for none.
    public var suggestions: [DesignChoice]

    public init(title: String, metric: String, fit: LawSeriesFit, suggestions: [DesignChoice] = []) {
        self.title = title; self.metric = metric; self.fit = fit; self.suggestions = suggestions
    }

    static let width = 560.0, height = 340.0
    static let left = 64.0, right = 16.0, top = 28.0, bottom = 44.0

    public func render() -> String {
        let e = XMLText.escape
        var out = "<figure class=\"forecast\">" + svg()
        out += "<figcaption>\(e(caption()))</figcaption>"
        if !suggestions.isEmpty {
            out += "<table class=\"suggest\"><thead><tr><th>#</th><th>run</th><th>GPU-h</th><th>width before</th>"
                + "<th>width after</th><th>upstream runs it adds</th></tr></thead><tbody>"
            for (i, c) in suggestions.enumerated() {
                out += "<tr><td>\(i + 1)</td><td><code>\(e(c.candidate.id))</code></td><td>\(g(c.cost))</td>"
                    + "<td>\(g(c.widthBefore))</td><td>\(g(c.widthAfter))</td><td>\(e(c.newUpstream.joined(separator: ", ")))</td></tr>"
            }
            out += "</tbody></table>"
        }
        return out + "</figure>"
    }

    func caption() -> String {
        let d = fit.settings.direction
        var parts = fit.forecasts.map { f -> String in
            let iv = f.interval.map { " [\(g($0.lower)), \(g($0.upper))]" } ?? ""
            return "\(metric) at \(f.at.label): \(g(f.value))\(iv), \(String(format: "%.1f", f.dataDecades)) decades past the data"
        }
        parts.insert("\(fit.estimate.law.rawValue) law on \(d.fitted(metric)); band: 95 % bootstrap interval", at: 0)
        // A band of no width must not pass for certainty on the page either.
        if let w = fit.bootstrapWarning { parts.append("warning: " + w) }
        return parts.joined(separator: "; ")
    }

    /// The SVG: x = log10 D, y = log10 L.
    func svg() -> String {
        let d = fit.settings.direction
        let model = fit.forecasts.first?.at.model ?? fit.maxModel
        let far = max(fit.forecasts.map(\.at.data).max() ?? fit.maxData, fit.maxData)
        let lx = log10(fit.minData) - 0.1, hx = log10(far) + 0.1
        let xs = (0...60).map { pow(10, log10(fit.minData) + (log10(far) - log10(fit.minData)) * Double($0) / 60) }
        let floor = 1e-300
        let curve = xs.map { (x: $0, l: max(d.loss(fit.metric(data: $0, model: model)), floor)) }
        let band = xs.compactMap { x -> (x: Double, lo: Double, hi: Double)? in
            guard let b = fit.band(data: x, model: model) else { return nil }
            let a = d.loss(b.lower), c = d.loss(b.upper)
            return (x, max(min(a, c), floor), max(max(a, c), floor))
        }
        let points = fit.points.map { (x: $0.data, l: d.loss($0.value)) }.filter { $0.l > 0 }
        let forecasts = fit.forecasts.map { f in
            (x: f.at.data, l: d.loss(f.value), lo: f.interval.map { d.loss($0.lower) }, hi: f.interval.map { d.loss($0.upper) })
        }
        var ys = curve.map(\.l) + points.map(\.l) + band.flatMap { [$0.lo, $0.hi] }
        ys += forecasts.flatMap { [$0.l, $0.lo ?? $0.l, $0.hi ?? $0.l] }
        let positive = ys.filter { $0 > floor && $0.isFinite }
        let ly = log10(positive.min() ?? 0.1) - 0.05, hy = log10(positive.max() ?? 1) + 0.05
        let W = Self.width - Self.left - Self.right, H = Self.height - Self.top - Self.bottom
        func px(_ x: Double) -> Double { Self.left + (log10(x) - lx) / max(hx - lx, 1e-9) * W }
        func py(_ l: Double) -> Double { Self.top + H - (log10(max(l, floor)) - ly) / max(hy - ly, 1e-9) * H }
        let e = XMLText.escape
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot forecastplot\" width=\"\(c(Self.width))\" "
            + "height=\"\(c(Self.height))\" viewBox=\"0 0 \(c(Self.width)) \(c(Self.height))\" role=\"img\">"
        out += "<title>\(e(title))</title>"
        out += "<text class=\"title\" x=\"\(c(Self.left))\" y=\"16\">\(e(title))</text>"
        // The extrapolated region: beyond the largest measured size.
        let x0 = px(fit.maxData)
        out += "<rect class=\"extrapolated\" x=\"\(c(x0))\" y=\"\(c(Self.top))\" width=\"\(c(Self.left + W - x0))\" "
            + "height=\"\(c(H))\" fill=\"#888\" fill-opacity=\"0.12\"><title>extrapolated: beyond the largest measured size</title></rect>"
        if !band.isEmpty {
            let upper = band.map { "\(c(px($0.x))),\(c(py($0.hi)))" }
            let lower = band.reversed().map { "\(c(px($0.x))),\(c(py($0.lo)))" }
            out += "<polygon class=\"band\" points=\"\((upper + lower).joined(separator: " "))\" fill=\"#1f77b4\" fill-opacity=\"0.2\"/>"
        }
        out += "<polyline class=\"law\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\""
            + curve.map { "\(c(px($0.x))),\(c(py($0.l)))" }.joined(separator: " ") + "\"/>"
        for p in points {
            out += "<circle class=\"run\" cx=\"\(c(px(p.x)))\" cy=\"\(c(py(p.l)))\" r=\"3\" fill=\"#333\"/>"
        }
        for f in forecasts {
            if let lo = f.lo, let hi = f.hi {
                out += "<line class=\"interval\" x1=\"\(c(px(f.x)))\" x2=\"\(c(px(f.x)))\" y1=\"\(c(py(lo)))\" y2=\"\(c(py(hi)))\" "
                    + "stroke=\"#d62728\" stroke-width=\"2\"/>"
            }
            out += "<circle class=\"forecastpoint\" cx=\"\(c(px(f.x)))\" cy=\"\(c(py(f.l)))\" r=\"5\" fill=\"#d62728\"/>"
        }
        // Axes: decades on x, and the y range's ends, with their values.
        out += "<g class=\"axes\" stroke=\"#444\"><line x1=\"\(c(Self.left))\" y1=\"\(c(Self.top + H))\" x2=\"\(c(Self.left + W))\" "
            + "y2=\"\(c(Self.top + H))\"/><line x1=\"\(c(Self.left))\" y1=\"\(c(Self.top))\" x2=\"\(c(Self.left))\" y2=\"\(c(Self.top + H))\"/></g>"
        for decade in Int(lx.rounded(.up))...max(Int(lx.rounded(.up)), Int(hx.rounded(.down))) {
            let x = px(pow(10, Double(decade)))
            out += "<text class=\"tick\" x=\"\(c(x))\" y=\"\(c(Self.top + H + 14))\" text-anchor=\"middle\">1e\(decade)</text>"
        }
        for v in [ly + 0.05, (ly + hy) / 2, hy - 0.05] {
            out += "<text class=\"tick\" x=\"\(c(Self.left - 4))\" y=\"\(c(py(pow(10, v)) + 4))\" text-anchor=\"end\">\(g(pow(10, v)))</text>"
        }
        out += "<text class=\"axislabel\" x=\"\(c(Self.left + W / 2))\" y=\"\(c(Self.height - 6))\" text-anchor=\"middle\">"
            + "data size (log scale)</text>"
        out += "<text class=\"axislabel\" transform=\"translate(14,\(c(Self.top + H / 2))) rotate(-90)\" text-anchor=\"middle\">"
            + "\(e(d.fitted(metric))) (log scale)</text>"
        return out + "</svg>"
    }

    private func c(_ x: Double) -> String { String(format: "%.1f", x) }
    private func g(_ x: Double) -> String { String(format: "%.4g", x) }
}
