import XGraphSpec

extension Graph {
    /// Why `pattern` matches no node, with what it most likely meant. A node's name lists its
    /// step's axes in `foreach` order (`eval/data=10/model=d7/task=x`), so `eval/model=d7/*`
    /// matches nothing although every part of it is right; close node names of other steps do
    /// not help there, the axis order of the step it names does:
    /// `did you mean 'eval/data=*/model=d7/*'?`.
    func noMatchMessage(_ pattern: String) -> String {
        let head = "no node matches '\(pattern)'"
        guard !nodes.isEmpty else { return head + "; the graph is empty" }
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let steps = Self.distinct(nodes.map(\.step))
        let first = parts[0]
        let step = steps.first { $0 == first } ?? steps.first { Glob(first).matches($0) }
            ?? NameSuggestions.closest(to: first, in: steps)
        if let step, let hint = axisOrderHint(parts.dropFirst(), step: step) { return head + "; " + hint }
        let close = NameSuggestions.nearest(to: pattern, in: nodes.map(\.id), limit: 5)
        return head + "; close names: " + close.joined(separator: ", ")
    }

    /// The step's naming and the pattern in its axis order, when the pattern's parts are
    /// `axis=value` parts of that step in another order or with axes left out, and the reordered
    /// pattern matches; nil otherwise (a misspelt name is better served by close names).
    private func axisOrderHint(_ parts: ArraySlice<String>, step: String) -> String? {
        let stepNodes = nodes.filter { $0.step == step }
        guard let sample = stepNodes.first else { return nil }
        let order = sample.axes.map(\.axis)
        var named: [String: String] = [:]
        for part in parts where part != "*" && !part.isEmpty {
            guard let eq = part.firstIndex(of: "=") else { return nil }
            named[String(part[..<eq])] = String(part[part.index(after: eq)...])
        }
        guard !named.isEmpty, named.keys.allSatisfy(order.contains),
              let last = order.lastIndex(where: { named[$0] != nil }) else { return nil }
        var suggestion = [step] + order[...last].map { "\($0)=\(named[$0] ?? "*")" }
        if last < order.count - 1 { suggestion.append("*") }
        let text = suggestion.joined(separator: "/")
        let glob = Glob(text)
        let naming = ([step] + order.map { "\($0)=…" }).joined(separator: "/")
        guard stepNodes.contains(where: { glob.matches($0.id) }) else {
            // Written in the step's order, a misspelt value is best served by close node names.
            if Array(parts) == Array(suggestion.dropFirst()) { return nil }
            // Out of order and a value wrong too (`eval/model=d7/*` where the capacities are
            // d1…d5): close names of other steps help neither; give the step's naming and values.
            for axis in order[...last] {
                guard let value = named[axis] else { continue }
                let values = Self.distinct(stepNodes.compactMap { n in n.axes.first { $0.axis == axis }?.value })
                let valueGlob = Glob(value)
                if values.contains(where: { valueGlob.matches($0) }) { continue }
                return "\(step) names its nodes \(naming), and \(axis) is never '\(value)' there"
                    + NameSuggestions.didYouMean(value, in: values) + " values: " + NameSuggestions.list(values)
            }
            return nil
        }
        return "\(step) names its nodes \(naming): did you mean '\(text)'?"
    }

    private static func distinct(_ values: [String]) -> [String] {
        var seen: Set<String> = []
        return values.filter { seen.insert($0).inserted }
    }
}
