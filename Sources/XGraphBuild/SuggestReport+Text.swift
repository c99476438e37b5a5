import Foundation
import XGraphResults

/// `xgraph suggest` as text.
extension SuggestReport {
    public func text(metric: String) -> String {
        var lines: [String] = []
        let f = forecast
        let key = ResultsContext.keyText(seriesKey)
        let now = f.interval.map { "[\(g($0.lower)), \(g($0.upper))], width \(g($0.upper - $0.lower))" } ?? "no interval"
        lines.append("\(key): forecast at \(f.at.label): \(metric) \(g(f.value)) \(now)"
            + (f.dataDecades > 0 ? "; \(String(format: "%.1f", f.dataDecades)) decades of data past the measured" : ""))
        if let w = bootstrapWarning { lines.append("warning: " + w) }
        lines.append("budget \(g(budget)) GPU-h; \(candidates) runs could still be made")
        guard !choices.isEmpty else {
            lines.append("no affordable run shrinks the interval: raise --budget, or add sizes with --sizes")
            return lines.joined(separator: "\n")
        }
        let width = max(24, (choices.map(\.candidate.id.count).max() ?? 0) + 2)
        lines.append("  #  " + "run".padding(toLength: width, withPad: " ", startingAt: 0) + "  GPU-h  width before → after   upstream runs it adds")
        var total = 0.0
        for (i, c) in choices.enumerated() {
            total += c.cost
            let id = c.candidate.id + (outsideGrid[c.candidate.id] != nil ? " *" : "")
            lines.append(String(format: "%3d  ", i + 1) + id.padding(toLength: width, withPad: " ", startingAt: 0)
                + "  " + String(format: "%5.1f", c.cost).padding(toLength: 5, withPad: " ", startingAt: 0)
                + "  \(g(c.widthBefore)) → \(g(c.widthAfter))".padding(toLength: 23, withPad: " ", startingAt: 0)
                + (c.newUpstream.isEmpty ? "" : "  " + c.newUpstream.joined(separator: ", ")))
        }
        if let iv = f.interval, let e = expected {
            lines.append("total \(g(total)) of \(g(budget)) GPU-h; expected 95 % interval at \(f.at.label): "
                + "[\(g(e.lower)), \(g(e.upper))] (now [\(g(iv.lower)), \(g(iv.upper))]); `xgraph fit --law "
                + "… --at \(f.at.label)` shows it beside the real one once the runs are built")
        } else {
            lines.append("total \(g(total)) of \(g(budget)) GPU-h")
        }
        if let command { lines.append(""); lines.append(command) }
        if !outsideGrid.isEmpty && choices.contains(where: { outsideGrid[$0.candidate.id] != nil }) {
            lines.append("* not in the grid: add the size to the experiment file's subsets, then build it")
        }
        return lines.joined(separator: "\n")
    }

    private func g(_ x: Double) -> String { String(format: "%.4g", x) }
}
