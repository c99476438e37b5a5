import Foundation
import XGraphExecutors

/// For planning: a builder that only plans holds an executor it never calls.
public struct NullExecutor: Executor {
    public init() {}
    public var name: String { "none" }
    public func run(_ job: Job, onStart: @escaping @Sendable (Int32) -> Void) async -> JobResult {
        JobResult(status: .exited(127), start: Date(), end: Date())
    }
}
