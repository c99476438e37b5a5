import Foundation

/// A value computed on first use, at most once. A null build must not pay for what only a real
/// one needs (the git status of the work tree, duration history from the results index, the GPUs).
final class Deferred<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var make: (@Sendable () -> Value)?
    private var cached: Value?

    init(_ make: @escaping @Sendable () -> Value) { self.make = make }

    var value: Value {
        lock.withLock {
            if let cached { return cached }
            let v = make!()
            cached = v
            make = nil
            return v
        }
    }
}
