import Foundation

/// Runs `count` blocking calls (libcurl transfers) at once, each on a thread of its own: the
/// cooperative pool and GCD's width follow the core count, and a transfer waits on the network,
/// not the CPU. Returns the results in order.
enum ParallelCalls {
    static func run<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        let box = ResultBox<T>()
        let group = DispatchGroup()
        for i in 0..<count {
            group.enter()
            Thread.detachNewThread {
                let r = body(i)
                box.set(i, r)
                group.leave()
            }
        }
        group.wait()
        return box.ordered(count)
    }

    /// `body` for each of `count` items, at most `width` at a time (thousands of small GETs
    /// must not each get a thread).
    static func map<T: Sendable>(_ count: Int, width: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        let w = max(1, min(width, count))
        let box = ResultBox<T>()
        _ = run(w) { lane in
            for i in stride(from: lane, to: count, by: w) { box.set(i, body(i)) }
        }
        return box.ordered(count)
    }
}

private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Int: T] = [:]
    func set(_ i: Int, _ value: T) { lock.withLock { results[i] = value } }
    func ordered(_ count: Int) -> [T] { lock.withLock { (0..<count).compactMap { results[$0] } } }
}
