import Foundation
import XGraphCore
import XGraphRemote

/// The progress of `push` and `pull`: on a terminal, one line redrawn twice a second (nodes
/// done, bytes moved, rate); the summary is printed either way when the transfer ends.
final class TransferLine: @unchecked Sendable {
    let verb: String
    let total: Int
    let bytes = TransferProgress()
    private let lock = NSLock()
    private var done = 0
    private var running = true
    private let start = Date()
    private let live = isatty(2) == 1

    init(verb: String, total: Int) {
        self.verb = verb; self.total = total
        guard live else { return }
        Thread.detachNewThread { [self] in
            while lock.withLock({ running }) {
                Console.err("\r\u{1B}[K" + text())
                Thread.sleep(forTimeInterval: 0.5)
            }
        }
    }

    func nodeDone() { lock.withLock { done += 1 } }

    var seconds: Double { max(Date().timeIntervalSince(start), 0.001) }

    var rate: String { ByteSize.text(Int64(Double(bytes.bytes) / seconds)) + "/s" }

    func text() -> String {
        let n = lock.withLock { done }
        return "\(verb): \(n)/\(total) nodes, \(ByteSize.text(bytes.bytes)), \(rate)"
    }

    func finish() {
        lock.withLock { running = false }
        if live { Console.err("\r\u{1B}[K") }
    }
}

/// Runs `body(i)` for i in 0..<count on `jobs` threads (transfers block in libcurl or in file
/// I/O, so they get threads of their own rather than Swift's cooperative pool).
enum ParallelWork {
    static func run(count: Int, jobs: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let next = NSLock()
        nonisolated(unsafe) var i = 0
        let group = DispatchGroup()
        for _ in 0..<max(1, min(jobs, count)) {
            group.enter()
            Thread.detachNewThread {
                while true {
                    let mine: Int = next.withLock { defer { i += 1 }; return i }
                    if mine >= count { break }
                    body(mine)
                }
                group.leave()
            }
        }
        group.wait()
    }
}
