import Foundation
import Synchronization
import XGraphCore

/// What a build or plan of many nodes asks the store for every node, read on another thread
/// while the experiment file is loaded and expanded: the keys.log map (key → output) and, for a
/// store of more than `Store.listingThreshold` records, the names in artifacts/. On a no-op
/// build of 50k nodes the two reads were a fifth of the time, the expansion longer than both.
///
/// It only reads (a store that is not there yet reads as empty), so it can start before the
/// Store is opened, and thus before the experiment file is known to be valid. A part finished
/// after the store already read it itself is dropped; a listing is never installed once
/// artifacts were removed after the store was opened.
public final class StoreIndexPreload: Sendable {
    private struct State {
        var outputs: [Digest: Digest]?
        var names: Set<String>?
        var store: Store?
    }
    private let state = Mutex(State())

    public init(root: String) {
        let keyLog = ActionCache(root: root).keyLogPath, artifacts = ContentStore(root: root).artifactsDir
        Thread.detachNewThread { [self] in
            let outputs = KeyLog.load(keyLog)
            install { $0.outputs = outputs }
            guard outputs.count > Store.listingThreshold, let names = POSIX.list(artifacts) else { return }
            let listed = Set(names)
            install { $0.names = listed }
        }
    }

    /// Hands what is read, now or when it is, to `store` (opened after this started).
    public func deliver(to store: Store) {
        install { $0.store = store }
    }

    private func install(_ change: (inout State) -> Void) {
        let (store, outputs, names): (Store?, [Digest: Digest]?, Set<String>?) = state.withLock { s in
            change(&s)
            guard let store = s.store else { return (nil, nil, nil) }
            defer { s.outputs = nil; s.names = nil }
            return (store, s.outputs, s.names)
        }
        guard let store else { return }
        store.caches.withLock { c in
            if let outputs, c.outputs == nil { c.outputs = outputs }
            if let names, c.artifactNames == nil, c.artifactGeneration == 0 { c.artifactNames = names }
        }
    }
}
