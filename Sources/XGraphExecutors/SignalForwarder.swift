import Dispatch
import Foundation
import Synchronization

/// Passes a signal this process receives on to the process groups of its running jobs. The node
/// runner of a `resume: true` step uses it for SIGUSR1: Slurm signals the batch shell (the
/// runner) before the time limit, and the step, which leads its own session, would never hear.
public final class SignalForwarder: Sendable {
    public let signal: Int32
    private let state = Groups()
    private nonisolated(unsafe) let source: DispatchSourceSignal

    private final class Groups: Sendable {
        struct Value { var running: Set<Int32> = []; var signalled: Set<Int32> = []; var received = 0 }
        let value = Mutex(Value())
    }

    public init(signal: Int32) {
        self.signal = signal
        Glibc.signal(signal, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: signal, queue: .global())
        source.setEventHandler { [state] in
            let groups = state.value.withLock { v -> Set<Int32> in
                v.received += 1
                // Groups that were running when the signal came: their result is not the step's end.
                v.signalled.formUnion(v.running)
                return v.running
            }
            for g in groups where g > 1 { kill(-g, signal) }
        }
        source.resume()
    }

    deinit { source.cancel() }

    /// Times the signal arrived.
    public var received: Int { state.value.withLock { $0.received } }

    func started(_ group: Int32) { _ = state.value.withLock { $0.running.insert(group) } }

    /// Forgets `group`; true if the signal reached it while it ran.
    func ended(_ group: Int32) -> Bool {
        state.value.withLock { v in
            v.running.remove(group)
            return v.signalled.remove(group) != nil
        }
    }
}
