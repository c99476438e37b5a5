import Foundation
import Synchronization
import XGraphCore
import XGraphKeys
import XGraphRemote
import XGraphStore

/// The build's two touch points with a remote cache (docs/remote.md), kept out of BuildRun's
/// main path: a node without a local record is looked up on the remote before it runs, and
/// every record the build writes is pushed (RemotePushSink). A null build never gets here for
/// its cached nodes, so it costs no request per node.
extension BuildRun {
    /// Fetches the node's record and outputs from the remote into the store, if the remote has
    /// an acceptable one; nil means run it here. A forced node is never fetched.
    func fetchFromRemote(_ i: Int, key: NodeKey) async -> Digest? {
        guard let remote = builder.options.remote, remote.downReason == nil, !rebuilder.forced.contains(i),
              rebuilder.cachedOutput(i, key: key) == nil else { return nil }
        let store = self.store
        guard let record = await Blocking.run({ remote.fetch(key.key, into: store) }) else { return nil }
        // The record keeps the name its builder gave the node; `plan` and `explain` look the
        // node up by this graph's name.
        let id = graph.nodes[i].id
        if record.node != id { try? store.setLastKey(key.key, forNode: id) }
        builder.options.records?.recorded(record)
        return record.output
    }
}

/// Runs blocking work (libcurl transfers, file copies) on a dispatch thread instead of one of
/// the few threads of Swift's cooperative pool, which the scheduler needs.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in
            DispatchQueue.global().async { c.resume(returning: body()) }
        }
    }
}

/// Hands each record on to the next sink (the results index) and pushes it to the remote in
/// the background, a few at a time; `flush` waits for the pushes, so a build ends with its
/// records on the remote (or with the one warning that the remote is down). Records fetched
/// from a remote are not pushed back.
public final class RemotePushSink: RecordSink, @unchecked Sendable {
    let next: (any RecordSink)?
    public let remote: RemoteCache
    let store: Store
    let warn: @Sendable (String) -> Void
    private let queue = DispatchQueue(label: "xgraph.remote.push", attributes: .concurrent)
    private let group = DispatchGroup()
    private let slots: DispatchSemaphore
    private let counts = Mutex((pushed: 0, bytes: Int64(0)))

    /// Nodes this build put on the remote (not counting those it already had), and their bytes.
    public var pushed: (nodes: Int, bytes: Int64) { counts.withLock { ($0.pushed, $0.bytes) } }

    public init(next: (any RecordSink)?, remote: RemoteCache, store: Store, parallel: Int = 4,
                warn: @escaping @Sendable (String) -> Void) {
        self.next = next; self.remote = remote; self.store = store; self.warn = warn
        self.slots = DispatchSemaphore(value: max(1, parallel))
    }

    public func recorded(_ record: ActionRecord) {
        next?.recorded(record)
        guard record.provenance.remote == nil, remote.downReason == nil else { return }
        let (key, node) = (record.key, record.node)
        group.enter()
        // The sink lives until `flush` has waited for every push, so `self` outlives them.
        queue.async { [self] in
            slots.wait()
            defer { slots.signal(); group.leave() }
            guard remote.downReason == nil else { return }
            do {
                if case .pushed(let bytes) = try remote.push(key, from: store) {
                    counts.withLock { $0.pushed += 1; $0.bytes += bytes }
                }
            } catch {
                // A remote that went down has said so once; anything else is about this node.
                if remote.downReason == nil { warn("could not push \(node) to \(remote.url): \(error)") }
            }
        }
    }

    public func flush() {
        next?.flush()
        group.wait()
    }
}
