import Foundation
import XGraphCore
import XGraphKeys
import XGraphStore

/// What `NodeRunner` asks of whoever decided a node's key: a build on this machine (the builder
/// and its rebuilder, over the whole graph) or a cluster job's runner (one described node, no
/// graph). The runner's ordered checks are the same for both.
protocol NodeRunContext: Sendable {
    var store: Store { get }
    var renderer: CommandRenderer { get }
    var observer: any BuildObserver { get }
    /// Recorded with runs that used GPUs.
    var gpuModel: String? { get }
    /// The git state and build id recorded with the run.
    var provenance: BuildProvenance { get }
    /// The log of the attempt when someone else named it (a cluster job's head); nil: a new one.
    var fixedLogPath: String? { get }
    /// Asked after the step succeeded and just before its record is written: a reason means
    /// the run was stopped meanwhile and must not be recorded (`DescribedNodeRun`).
    var confirm: (@Sendable () async -> String?)? { get }

    /// The output recorded under `key`, unless the node must run anyway (forced).
    func cachedOutput(_ i: Int, key: NodeKey) -> Digest?
    /// What the key was computed from that is no longer so (code, container image, datasets).
    func changedSinceKeyed(_ i: Int) -> [String]
    /// Whether a `code:` path holds files the recorded commit does not pin down; nil when no
    /// commit is claimed (outside git).
    func holdsUntrackedCode(_ path: String) -> Bool?
}

/// A build's context: the builder's store, renderer and provenance, the rebuilder's decisions.
struct BuildContext: NodeRunContext {
    let builder: Builder
    let rebuilder: Rebuilder

    var store: Store { builder.store }
    var renderer: CommandRenderer { builder.renderer }
    var observer: any BuildObserver { builder.observer }
    var gpuModel: String? { builder.options.gpuModel }
    var provenance: BuildProvenance { builder.provenance }
    var fixedLogPath: String? { nil }
    var confirm: (@Sendable () async -> String?)? { nil }

    func cachedOutput(_ i: Int, key: NodeKey) -> Digest? { rebuilder.cachedOutput(i, key: key) }
    func changedSinceKeyed(_ i: Int) -> [String] { rebuilder.changedSinceKeyed(i) }
    func holdsUntrackedCode(_ path: String) -> Bool? { builder.provenance.codeTracking.map { $0.holdsUntracked(path) } }
}
