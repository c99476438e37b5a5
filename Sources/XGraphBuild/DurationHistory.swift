import Foundation
import XGraphCore
import XGraphGraph

/// Durations of earlier runs, from the results index, used to estimate how long a node will
/// take: its own last duration; else the step's median scaled by data size (work grows with the
/// subset a node trains on); else the step's declared `estimate:`; else nothing is known (a
/// minute, where the scheduler needs a number).
public struct DurationHistory: Sendable {
    /// Node id → seconds of its most recent run.
    public var byNode: [String: Double]
    /// Step → (data size or nil, seconds) of earlier runs.
    public var byStep: [String: [(size: Double?, seconds: Double)]]

    public init(byNode: [String: Double] = [:], byStep: [String: [(size: Double?, seconds: Double)]] = [:]) {
        self.byNode = byNode; self.byStep = byStep
    }

    public static let fallbackSeconds = 60.0

    /// For scheduling, which needs a number for every node: `known(_:)`, else a minute.
    public func estimate(_ node: Node) -> Double {
        known(node) ?? Self.fallbackSeconds
    }

    /// What earlier runs (or the step's `estimate:`) say a node will take; nil when nothing
    /// does. A plan says "no history yet" for those instead of printing a guess as a figure.
    public func known(_ node: Node) -> Double? {
        if let s = byNode[node.id] { return s }
        if let runs = byStep[node.step], !runs.isEmpty {
            let size = Self.dataSize(node)
            let scaled = runs.compactMap { r -> Double? in
                guard let size, let rs = r.size, rs > 0 else { return nil }
                return r.seconds * size / rs
            }
            let pool = scaled.isEmpty ? runs.map(\.seconds) : scaled
            return pool.sorted()[pool.count / 2]
        }
        return node.estimateSeconds
    }

    /// The size of the subset a node ranges over, if any axis is a subset.
    public static func dataSize(_ node: Node) -> Double? {
        for a in node.axes {
            if let attrs = node.params[a.axis], attrs["kind"]?.stringValue == "subset",
               let n = attrs["size"]?.doubleValue { return n }
        }
        return nil
    }
}
