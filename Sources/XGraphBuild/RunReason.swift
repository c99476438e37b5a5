import XGraphCore
import XGraphKeys

/// Why a node will run, in words a user reads (llbuild's NeverBuilt / SignatureChanged /
/// InputRebuilt / Forced).
public enum RunReason: Sendable, Equatable, CustomStringConvertible {
    /// No build of this node name has been recorded in this store.
    case neverBuilt
    /// Its key differs from the last build's: these parts changed.
    case changed([KeyChange])
    /// An input will be rebuilt first, so the key is known only then (it may still be cut off early).
    case inputRebuilt([String])
    /// Named by `--force`.
    case forced
    /// Its record is there but the output artifact is gone and cannot be rebuilt from the
    /// store's blobs: it runs once more and its new record replaces the old one.
    case outputMissing
    /// Its output was removed because its bytes were damaged (by a step that wrote into its
    /// input, or found by `verify --repair`), and could not be restored from intact blobs.
    case outputDamaged
    /// No record here, but the remote cache has one (`plan` with a remote): the build fetches
    /// these bytes instead of running it.
    case cachedOnRemote(bytes: Int64)

    public var description: String {
        switch self {
        case .neverBuilt: return "never built"
        case .changed(let cs) where cs.isEmpty: return "key changed"
        case .changed(let cs): return cs.map(\.description).joined(separator: ", ")
        case .inputRebuilt(let ns): return "input \(ns.joined(separator: ", ")) will be rebuilt"
        case .forced: return "forced"
        case .outputMissing: return "its recorded output is missing from the store"
        case .outputDamaged: return "its recorded output was damaged and removed"
        case .cachedOnRemote(let bytes): return "cached on the remote (\(ByteSize.text(bytes)) to fetch)"
        }
    }
}

extension RunReason {
    /// The node is not run but fetched from the remote cache.
    public var isOnRemote: Bool { if case .cachedOnRemote = self { return true }; return false }
}

public enum NodeStatus: Sendable, Equatable {
    case cached
    case willRun(RunReason)
    case blocked(String)
}
