import Foundation
import Synchronization
import XGraphBuild

/// One SIGINT/SIGTERM/SIGHUP handler for a whole command that runs several tasks one after another
/// (the Slurm checks and probe, a detached submission, the build): a second `SignalCancellation`
/// made after the first one is released no longer hears the signals, so the command keeps one
/// and points it at whichever task runs now.
final class Interruption: Sendable {
    /// What the handler reads: shared by reference with it.
    private final class Target: Sendable {
        let cancel = Mutex<(@Sendable () -> Void)?>(nil)
        let signalled = Mutex(false)
    }

    private let target = Target()
    private let handler: SignalCancellation

    /// The first signal received (SIGINT, SIGTERM or SIGHUP), if any.
    var received: Int32? { handler.received }

    init() {
        let target = self.target
        handler = SignalCancellation { _ in
            target.signalled.withLock { $0 = true }
            target.cancel.withLock { $0 }?()
        }
    }

    /// Runs `body` as the task a signal cancels; a signal that came before it cancels it at once.
    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async -> Result<T, Error> {
        let task = Task { try await body() }
        target.cancel.withLock { $0 = { task.cancel() } }
        if target.signalled.withLock({ $0 }) { task.cancel() }
        let result = await task.result
        target.cancel.withLock { $0 = nil }
        return result
    }
}
