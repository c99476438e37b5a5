import Foundation

/// One scaling plot as inline SVG: a metric against data size on a log axis, one line and
/// marker style per series, error bars (mean ± SD) where a size has replicates, the fitted line
/// over the measured sizes only, labelled axes and a legend.
///
/// The SVG carries `class` and `data-` attributes so that tests (and scripts) can find each
/// part: `marker` paths (one per series and size, `data-series`, `data-size`, `data-value`),
/// `fit` lines (`data-x0`/`data-y0`/`data-x1`/`data-y1` in data units), `errorbar` paths,
/// `xtick`/`ytick` groups (`data-value`) and the `legend` group.
public struct SVGPlot: Sendable {
    /// One measured size of a series: the mean of its runs, their SD (nil for one run) and count.
    public struct Point: Sendable, Equatable {
        public var size: Double
        public var label: String
        public var mean: Double
        public var sd: Double?
        public var n: Int

        public init(size: Double, label: String, mean: Double, sd: Double?, n: Int) {
            self.size = size; self.label = label; self.mean = mean; self.sd = sd; self.n = n
        }
    }

    /// A fitted line metric = a + b·log10(size), drawn from `from` to `to` (the measured range).
    public struct Line: Sendable, Equatable {
        public var a: Double, b: Double, from: Double, to: Double
        public init(a: Double, b: Double, from: Double, to: Double) { self.a = a; self.b = b; self.from = from; self.to = to }
        public func value(_ size: Double) -> Double { a + b * log10(size) }
    }

    public struct Series: Sendable, Equatable {
        public var label: String
        public var style: SeriesStyle
        public var points: [Point]
        public var fit: Line?

        public init(label: String, style: SeriesStyle, points: [Point], fit: Line?) {
            self.label = label; self.style = style; self.points = points; self.fit = fit
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [Series]
    /// Prefixes the ids of the marker shapes this plot defines once and reuses (`<use>`); each
    /// plot of a page needs its own, since inline SVGs share the page's ids.
    public var id: String
    /// Give each marker a tooltip (`<title>`: series, size, mean ± SD, n) and its data values
    /// (`data-size`, `data-value`). A page of very many markers leaves them out to stay small;
    /// the tables hold the same numbers.
    public var tooltips: Bool
    /// Draw the legend inside the plot; a page of many panels draws one legend per metric
    /// instead (`legendSVG`), since every panel of a metric styles a series alike.
    public var legend: Bool

    public init(title: String, xLabel: String, yLabel: String, series: [Series], id: String = "p", tooltips: Bool = true,
                legend: Bool = true) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
        self.id = id; self.tooltips = tooltips; self.legend = legend
    }

    // Layout, in pixels.
    static let plotWidth = 400.0, plotHeight = 250.0
    static let left = 66.0, top = 30.0, bottom = 52.0, legendGap = 18.0, legendWidth = 210.0
    static let legendRow = 18.0

    public func render() -> String {
        let c = XMLText.coordinate, e = XMLText.escape
        let sizes = series.flatMap { $0.points.map(\.size) }.filter { $0 > 0 && $0.isFinite }
        let decades = Ticks.decades(sizes.min() ?? 1, sizes.max() ?? 10)
        let lx = log10(decades.first ?? 1), hx = log10(decades.last ?? 10)
        var values: [Double] = []
        for s in series {
            for p in s.points {
                values.append(p.mean)
                if let sd = p.sd { values += [p.mean - sd, p.mean + sd] }
            }
            if let f = s.fit { values += [f.value(f.from), f.value(f.to)] }
        }
        values = values.filter(\.isFinite)
        let y = Ticks.linear(values.min() ?? 0, values.max() ?? 1)
        let W = Self.plotWidth, H = Self.plotHeight, L = Self.left, T = Self.top
        func px(_ size: Double) -> Double { L + (log10(size) - lx) / max(hx - lx, 1e-9) * W }
        func py(_ v: Double) -> Double { T + H - (v - y.lo) / max(y.hi - y.lo, 1e-300) * H }

        let legendHeight = legend ? Double(series.count) * Self.legendRow + 24 : 0
        let width = L + W + (legend ? Self.legendGap + Self.legendWidth(series) : 16)
        let height = max(T + H + Self.bottom, T + legendHeight)
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"\(c(width))\" height=\"\(c(height))\" "
            + "viewBox=\"0 0 \(c(width)) \(c(height))\" role=\"img\" aria-label=\"\(e(title))\">"
        out += "<title>\(e(title))</title>"
        // Each series' marker shape, defined once at the origin and placed by `<use>`.
        out += "<defs>"
        for (i, s) in series.enumerated() {
            out += "<path id=\"\(e(id))-m\(i)\" d=\"\(s.style.markerPath(x: 0, y: 0))\"/>"
        }
        out += "</defs>"
        out += "<text class=\"ptitle\" x=\"\(c(L + W / 2))\" y=\"18\" text-anchor=\"middle\">\(e(title))</text>"
        out += "<rect class=\"frame\" x=\"\(c(L))\" y=\"\(c(T))\" width=\"\(c(W))\" height=\"\(c(H))\"/>"

        // x axis: a labelled tick and a grid line at every decade.
        for d in decades {
            let x = px(d)
            out += "<g class=\"xtick\" data-value=\"\(d)\"><line class=\"grid\" x1=\"\(c(x))\" y1=\"\(c(T))\" x2=\"\(c(x))\" y2=\"\(c(T + H))\"/>"
                + "<text x=\"\(c(x))\" y=\"\(c(T + H + 16))\" text-anchor=\"middle\">\(e(Ticks.decadeLabel(d)))</text></g>"
        }
        let step = y.ticks.count > 1 ? y.ticks[1] - y.ticks[0] : 1
        for t in y.ticks {
            let yy = py(t)
            out += "<g class=\"ytick\" data-value=\"\(t)\"><line class=\"grid\" x1=\"\(c(L))\" y1=\"\(c(yy))\" x2=\"\(c(L + W))\" y2=\"\(c(yy))\"/>"
                + "<text x=\"\(c(L - 6))\" y=\"\(c(yy + 4))\" text-anchor=\"end\">\(e(Ticks.label(t, step: step)))</text></g>"
        }
        out += "<text class=\"axislabel\" x=\"\(c(L + W / 2))\" y=\"\(c(T + H + 40))\" text-anchor=\"middle\">\(e(xLabel))</text>"
        out += "<text class=\"axislabel\" transform=\"translate(16 \(c(T + H / 2))) rotate(-90)\" text-anchor=\"middle\">\(e(yLabel))</text>"

        for (i, s) in series.enumerated() {
            let st = s.style
            let dash = st.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            out += "<g class=\"series\" data-series=\"\(i)\" data-label=\"\(e(s.label))\" stroke=\"\(st.color)\" fill=\"\(st.hollow ? "#ffffff" : st.color)\">"
            if let f = s.fit {
                out += "<line class=\"fit\" data-x0=\"\(Self.exact(f.from))\" data-y0=\"\(Self.exact(f.value(f.from)))\" "
                    + "data-x1=\"\(Self.exact(f.to))\" data-y1=\"\(Self.exact(f.value(f.to)))\" "
                    + "x1=\"\(c(px(f.from)))\" y1=\"\(c(py(f.value(f.from))))\" x2=\"\(c(px(f.to)))\" y2=\"\(c(py(f.value(f.to))))\"\(dash)/>"
            }
            for p in s.points {
                let x = px(p.size), yy = py(p.mean)
                if let sd = p.sd, sd > 0 {
                    let y1 = py(p.mean - sd), y2 = py(p.mean + sd)
                    out += "<path class=\"errorbar\" d=\"M\(c(x)) \(c(y1))V\(c(y2))M\(c(x - 3)) \(c(y1))h6M\(c(x - 3)) \(c(y2))h6\"/>"
                }
                out += "<use class=\"marker\" href=\"#\(e(id))-m\(i)\" x=\"\(c(x))\" y=\"\(c(yy))\""
                if tooltips {
                    let sdText = p.sd.map { " ± " + Self.number($0) } ?? ""
                    out += " data-size=\"\(Self.exact(p.size))\" data-value=\"\(Self.exact(p.mean))\"><title>\(e(s.label)), \(e(p.label)): \(Self.number(p.mean))\(sdText) (n=\(p.n))</title></use>"
                } else {
                    out += "/>"
                }
            }
            out += "</g>"
        }

        if legend { out += legendEntries(x: L + W + Self.legendGap, y: T) }
        out += "</svg>"
        return out
    }

    /// The legend alone, for a page that draws one per metric: the series of `plots`, each
    /// label once, in order of first appearance.
    public static func legendSVG(_ plots: [SVGPlot], id: String) -> String {
        var seen: Set<String> = []
        var series: [Series] = []
        for p in plots { for s in p.series where seen.insert(s.label).inserted { series.append(s) } }
        let plot = SVGPlot(title: "legend", xLabel: "", yLabel: "", series: series, id: id)
        let height = Double(series.count) * legendRow + 30
        let width = Self.legendWidth(series) + 60
        let c = XMLText.coordinate
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"legendbox\" width=\"\(c(width))\" height=\"\(c(height))\" "
            + "viewBox=\"0 0 \(c(width)) \(c(height))\" role=\"img\" aria-label=\"legend\"><defs>"
        for (i, s) in series.enumerated() { out += "<path id=\"\(XMLText.escape(id))-m\(i)\" d=\"\(s.style.markerPath(x: 0, y: 0))\"/>" }
        out += "</defs>" + plot.legendEntries(x: 4, y: 4) + "</svg>"
        return out
    }

    /// Wide enough for the longest label (a diff's labels name a series and a commit, and a
    /// fixed width cut them off): the line sample, then about 7.2 px per character of the
    /// page's 11 px sans-serif, never narrower than `legendWidth`.
    static func legendWidth(_ series: [Series]) -> Double {
        max(legendWidth, 38 + 7.2 * Double(series.map(\.label.count).max() ?? 0) + 8)
    }

    /// Legend: a line sample with the marker, then the label, per series.
    func legendEntries(x gx: Double, y T: Double) -> String {
        let c = XMLText.coordinate, e = XMLText.escape
        var out = "<g class=\"legend\"><text class=\"legendtitle\" x=\"\(c(gx))\" y=\"\(c(T + 4))\">legend</text>"
        for (i, s) in series.enumerated() {
            let yy = T + 20 + Double(i) * Self.legendRow
            let st = s.style
            let dash = st.dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
            out += "<g class=\"entry\" stroke=\"\(st.color)\" fill=\"\(st.hollow ? "#ffffff" : st.color)\">"
                + "<line class=\"fit\" x1=\"\(c(gx))\" y1=\"\(c(yy))\" x2=\"\(c(gx + 30))\" y2=\"\(c(yy))\"\(dash)/>"
                + "<use href=\"#\(e(id))-m\(i)\" x=\"\(c(gx + 15))\" y=\"\(c(yy))\"/>"
                + "<text stroke=\"none\" fill=\"#000000\" x=\"\(c(gx + 38))\" y=\"\(c(yy + 4))\">\(e(s.label))</text></g>"
        }
        out += "</g>"
        return out
    }

    /// A value for a data attribute: the shortest text that reads back as the same Double
    /// (`100`, not `100.0`).
    static func exact(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : "\(d)"
    }

    /// A value in a tooltip: four significant decimals, as the tables show.
    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "\(d)" }
        return abs(d) >= 1e-4 && abs(d) < 1e12 || d == 0 ? String(format: "%.4f", d) : String(format: "%.4g", d)
    }
}
