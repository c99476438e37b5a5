import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT, SIGTERM and SIGHUP into task cancellation, so a build stops scheduling, tears its
/// jobs' process groups down and records nothing partial instead of dying mid-write. SIGHUP is
/// what a closed terminal or ssh session sends: its default action killed xgraph and left the
/// running step (in its own session, so never hung up) running on with nobody to record it.
public final class SignalCancellation: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let got = Mutex<Int32?>(nil)

    /// The first signal received, if any.
    public var received: Int32? { got.withLock { $0 } }

    public init(onSignal: @escaping @Sendable (Int32) -> Void) {
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let s = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            s.setEventHandler { [weak self] in
                self?.got.withLock { if $0 == nil { $0 = sig } }
                onSignal(sig)
            }
            s.resume()
            sources.append(s)
        }
    }

    deinit {
        for s in sources { s.cancel() }
    }
}
