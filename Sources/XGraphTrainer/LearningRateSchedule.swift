import Foundation
import XGraphCore

/// The learning rate at each optimisation step: an optional linear warm-up from 0 over
/// `warmupSteps`, then `cosine` decay to 0 at the last step, `step` decay (×0.1 at 50 % and
/// again at 75 % of the steps after warm-up), or `constant`.
public struct LearningRateSchedule: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case cosine
        case step
        case constant
    }

    public var kind: Kind
    public var baseRate: Double
    public var totalSteps: Int
    public var warmupSteps: Int

    public init(kind: Kind, baseRate: Double, totalSteps: Int, warmupSteps: Int = 0) {
        self.kind = kind
        self.baseRate = baseRate
        self.totalSteps = totalSteps
        self.warmupSteps = min(warmupSteps, totalSteps)
    }

    /// The rate for step `step` in 0..<totalSteps.
    public func rate(at step: Int) -> Double {
        if step < warmupSteps { return baseRate * Double(step + 1) / Double(warmupSteps) }
        let span = max(1, totalSteps - warmupSteps)
        let progress = Double(step - warmupSteps) / Double(span)
        switch kind {
        case .constant: return baseRate
        case .cosine: return baseRate * 0.5 * (1 + cos(Double.pi * progress))
        case .step: return baseRate * (progress < 0.5 ? 1 : progress < 0.75 ? 0.1 : 0.01)
        }
    }
}
