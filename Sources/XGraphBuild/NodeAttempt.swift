import XGraphCore
import XGraphGraph
import XGraphKeys
import XGraphScheduler

/// One attempt of a node as the build hands it to an execution back-end: everything decided
/// about it before it runs (its key, the resources the pool gave it, where its inputs are).
struct NodeAttempt: Sendable {
    var index: Int
    var node: Node
    var key: NodeKey
    var allocation: Allocation
    /// 1 for the first attempt; retries count on (logs and provenance name it).
    var number: Int
    /// Input name → the folder the step reads it from (a store artifact or a data set).
    var inputPaths: [String: String]
    /// The store artifacts among the inputs (data sets are the user's files, not the store's).
    var inputArtifacts: [Digest]
}
