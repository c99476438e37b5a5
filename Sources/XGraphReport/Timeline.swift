import Foundation

/// The timeline of a build, like Nextflow's: one bar per node run from its start to its end,
/// one row per GPU (the GPUs its record names) or, for nodes without GPUs, per CPU slot.
public struct Timeline: Sendable {
    public struct Run: Sendable, Equatable {
        public var node: String
        public var step: String
        public var host: String
        public var gpus: [Int]
        public var start: Date
        public var end: Date
        /// The build that recorded the run; nil for records older than build ids.
        public var buildID: String?

        public init(node: String, step: String, host: String, gpus: [Int], start: Date, end: Date, buildID: String? = nil) {
            self.node = node; self.step = step; self.host = host; self.gpus = gpus; self.start = start; self.end = end
            self.buildID = buildID
        }

        public var seconds: Double { max(0, end.timeIntervalSince(start)) }
    }

    /// A bar on a row.
    public struct Bar: Sendable, Equatable {
        public var row: Int
        public var run: Run
    }

    public var runs: [Run]
    /// Row names, top to bottom: `host gpu N`, then `host cpu N`.
    public private(set) var rows: [String] = []
    public private(set) var bars: [Bar] = []

    /// Runs closer than this to the rest of a build (seconds between one's end and the next
    /// one's start) count as the same build, for records written before builds had ids: a build
    /// starts each node as soon as its inputs and a slot are free, so its gaps are short.
    public static let buildGap = 300.0

    public init(runs: [Run]) {
        self.runs = runs
        layOut()
    }

    /// The runs of the most recent build: those with the build id of the run that ended last;
    /// for records without one, going back from it, every run that overlaps the span so far or
    /// ends within `buildGap` of its start.
    public static func lastBuild(_ runs: [Run]) -> [Run] {
        let byEnd = runs.sorted { ($0.end, $0.node) > ($1.end, $1.node) }
        guard let newest = byEnd.first else { return [] }
        if let id = newest.buildID {
            return runs.filter { $0.buildID == id }.sorted { ($0.start, $0.node) < ($1.start, $1.node) }
        }
        var spanStart = newest.start
        var out: [Run] = []
        for r in byEnd {
            if r.end.timeIntervalSince(spanStart) < -buildGap { break }
            out.append(r)
            spanStart = min(spanStart, r.start)
        }
        return out.sorted { ($0.start, $0.node) < ($1.start, $1.node) }
    }

    /// GPU runs go on the rows of their GPUs (a two-GPU run has a bar on each); the others are
    /// placed greedily: each on the first CPU row of its host that is free at its start, a new
    /// row when none is, which uses as few rows as the overlaps need.
    private mutating func layOut() {
        let sorted = runs.sorted { ($0.start, $0.node) < ($1.start, $1.node) }
        var gpuRows: [String: Int] = [:]
        var cpuFree: [String: [Date]] = [:]
        var cpuRowNames: [(host: String, slot: Int)] = []
        var gpuRowNames: [(host: String, gpu: Int)] = []
        var gpuBars: [(key: String, run: Run)] = []
        var cpuBars: [(index: Int, run: Run)] = []
        for r in sorted {
            if r.gpus.isEmpty {
                var free = cpuFree[r.host] ?? []
                if let slot = free.firstIndex(where: { $0 <= r.start }) {
                    free[slot] = r.end
                    cpuBars.append((cpuRowNames.firstIndex { $0.host == r.host && $0.slot == slot } ?? 0, r))
                } else {
                    free.append(r.end)
                    cpuRowNames.append((r.host, free.count - 1))
                    cpuBars.append((cpuRowNames.count - 1, r))
                }
                cpuFree[r.host] = free
            } else {
                for g in Set(r.gpus).sorted() {
                    let key = "\(r.host) gpu \(g)"
                    if gpuRows[key] == nil { gpuRows[key] = 0; gpuRowNames.append((r.host, g)) }
                    gpuBars.append((key, r))
                }
            }
        }
        gpuRowNames.sort { ($0.host, $0.gpu) < ($1.host, $1.gpu) }
        let gpuNames = gpuRowNames.map { "\($0.host) gpu \($0.gpu)" }
        let cpuOrder = cpuRowNames.indices.sorted { (cpuRowNames[$0].host, cpuRowNames[$0].slot) < (cpuRowNames[$1].host, cpuRowNames[$1].slot) }
        var cpuRowIndex: [Int: Int] = [:]
        for (position, original) in cpuOrder.enumerated() { cpuRowIndex[original] = gpuNames.count + position }
        rows = gpuNames + cpuOrder.map { "\(cpuRowNames[$0].host) cpu \(cpuRowNames[$0].slot)" }
        let gpuIndex = Dictionary(uniqueKeysWithValues: gpuNames.enumerated().map { ($1, $0) })
        bars = gpuBars.compactMap { b in gpuIndex[b.key].map { Bar(row: $0, run: b.run) } }
            + cpuBars.compactMap { b in cpuRowIndex[b.index].map { Bar(row: $0, run: b.run) } }
    }

    /// GPU-hours the runs used: each run's duration times its number of GPUs.
    public var gpuHours: Double {
        runs.reduce(0) { $0 + $1.seconds * Double(Set($1.gpus).count) } / 3600
    }

    /// From the first start to the last end.
    public var wallSeconds: Double {
        guard let s = runs.map(\.start).min(), let e = runs.map(\.end).max() else { return 0 }
        return max(0, e.timeIntervalSince(s))
    }

    /// Bars get a tooltip and `data-node` up to this many.
    public static let detailedBars = 2000

    static let labelWidth = 150.0, chartWidth = 560.0, rowHeight = 16.0, top = 24.0, legendWidth = 150.0

    /// The timeline as SVG: bars coloured and patterned by step (`bar` rects with `data-node`,
    /// `data-row`), row labels, a time axis in seconds from the first start, a legend of steps.
    /// Very many rows are drawn thin, so the picture of a 10,000-node build stays small.
    public func render() -> String {
        let c = XMLText.coordinate, e = XMLText.escape
        guard let t0 = runs.map(\.start).min() else {
            return "<p class=\"note\">No runs recorded.</p>"
        }
        let span = max(wallSeconds, 1)
        let steps = Array(Set(runs.map(\.step))).sorted()
        let stepIndex = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })
        let rowH = rows.count > 60 ? max(2, 960 / Double(rows.count)) : Self.rowHeight
        let L = Self.labelWidth, W = Self.chartWidth, T = Self.top
        let height = T + Double(rows.count) * rowH + 40
        let width = L + W + 16 + Self.legendWidth
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" width=\"\(c(width))\" height=\"\(c(max(height, T + Double(steps.count) * 18 + 30)))\" "
            + "viewBox=\"0 0 \(c(width)) \(c(max(height, T + Double(steps.count) * 18 + 30)))\" role=\"img\" aria-label=\"build timeline\">"
        out += "<title>build timeline</title>"
        func px(_ d: Date) -> Double { L + d.timeIntervalSince(t0) / span * W }
        if rowH >= 10 {
            for (i, name) in rows.enumerated() {
                out += "<text class=\"rowlabel\" x=\"\(c(L - 6))\" y=\"\(c(T + Double(i) * rowH + rowH * 0.75))\" text-anchor=\"end\">\(e(name))</text>"
            }
        }
        let ticks = Ticks.linear(0, span, count: 6)
        let tstep = ticks.ticks.count > 1 ? ticks.ticks[1] - ticks.ticks[0] : 1
        let axisY = T + Double(rows.count) * rowH
        for t in ticks.ticks where t <= span + tstep / 2 && t <= span * 1.0001 {
            let x = L + t / span * W
            out += "<g class=\"ttick\"><line class=\"grid\" x1=\"\(c(x))\" y1=\"\(c(T))\" x2=\"\(c(x))\" y2=\"\(c(axisY))\"/>"
                + "<text x=\"\(c(x))\" y=\"\(c(axisY + 14))\" text-anchor=\"middle\">\(e(Ticks.label(t, step: tstep)))</text></g>"
        }
        out += "<text class=\"axislabel\" x=\"\(c(L + W / 2))\" y=\"\(c(axisY + 32))\" text-anchor=\"middle\">time since the build's first start (seconds)</text>"
        // Bars grouped by step, so the fill is written once per step; a node's tooltip and
        // `data-node` only up to `detailedBars` bars, to keep a 10,000-run timeline small.
        let detailed = bars.count <= Self.detailedBars
        var byStep: [Int: [Bar]] = [:]
        for b in bars { byStep[stepIndex[b.run.step] ?? 0, default: []].append(b) }
        for (i, _) in steps.enumerated() {
            let s = SeriesStyle.at(i)
            out += "<g class=\"step\" fill=\"\(s.color)\" fill-opacity=\"\(0.35 + 0.5 * Double(i % 2))\">"
            for b in byStep[i] ?? [] {
                let x = px(b.run.start), w = max(1, px(b.run.end) - x)
                out += "<rect class=\"bar\" x=\"\(c(x))\" y=\"\(c(T + Double(b.row) * rowH + 1))\" width=\"\(c(w))\" height=\"\(c(max(1, rowH - 2)))\""
                if detailed {
                    out += " data-node=\"\(e(b.run.node))\" data-row=\"\(b.row)\"><title>\(e(b.run.node)): "
                        + "\(String(format: "%.1f", b.run.seconds)) s on \(e(rows[b.row]))</title></rect>"
                } else {
                    out += "/>"
                }
            }
            out += "</g>"
        }
        let gx = L + W + 16
        out += "<g class=\"legend\">"
        for (i, step) in steps.enumerated() {
            let s = SeriesStyle.at(i)
            let yy = T + Double(i) * 18
            out += "<rect x=\"\(c(gx))\" y=\"\(c(yy))\" width=\"14\" height=\"12\" fill=\"\(s.color)\" fill-opacity=\"\(0.35 + 0.5 * Double(i % 2))\"/>"
                + "<text x=\"\(c(gx + 20))\" y=\"\(c(yy + 10))\">\(e(step))</text>"
        }
        out += "</g></svg>"
        return out
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension Timeline {
    /// Parses the index's fixed-width time text, `2026-11-23T09:41:07.250Z` (`TimeText.iso8601`),
    /// by position: a formatter per row cost more than the rest of a 10,000-run report. nil for
    /// anything else.
    public static func parseTime(_ text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count == 24, b[4] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"), b[19] == UInt8(ascii: "."),
              b[23] == UInt8(ascii: "Z") else { return nil }
        func num(_ from: Int, _ to: Int) -> Int? {
            var v = 0
            for i in from..<to {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard let year = num(0, 4), let month = num(5, 7), let day = num(8, 10), let hour = num(11, 13),
              let minute = num(14, 16), let second = num(17, 19), let millis = num(20, 23) else { return nil }
        var t = tm()
        t.tm_year = Int32(year - 1900); t.tm_mon = Int32(month - 1); t.tm_mday = Int32(day)
        t.tm_hour = Int32(hour); t.tm_min = Int32(minute); t.tm_sec = Int32(second)
        let seconds = timegm(&t)
        guard seconds != -1 || (year == 1969) else { return nil }
        return Date(timeIntervalSince1970: Double(seconds) + Double(millis) / 1000)
    }
}
