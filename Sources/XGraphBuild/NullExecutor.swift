import Foundation
import XGraphExecutors

/// For planning: a builder that only plans holds an executor it never calls.
struct NullExecutor: Executor {
    var name: String { "none" }
    func run(_ job: Job, onStart: @escaping @Sendable (Int32) -> Void) async -> JobResult {
        JobResult(status: .exited(127), start: Date(), end: Date())
    }
}
