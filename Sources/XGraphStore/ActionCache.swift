import Foundation
import XGraphCore

/// The store's action cache: one write-once record per key (`records/`), the append-only logs
/// that index them (`keys.log`: key → output; `nodes.log`: node → last key), records replaced by
/// a re-run (`history/`) and the markers of records whose output was removed as damaged. This
/// type owns those names; reading and writing records goes through the `Store` façade, whose
/// caches of keys.log and nodes.log every build shares.
public struct ActionCache: Sendable {
    let root: String

    static let folders = ["records"]

    var recordsDir: String { root + "/records" }
    var historyDir: String { root + "/history" }
    var keyLogPath: String { root + "/keys.log" }
    var nodeLogPath: String { root + "/nodes.log" }

    func recordPath(_ key: Digest) -> String { "\(recordsDir)/\(Store.fanOut(key.hex))/\(key.hex).json" }
    /// Beside a record whose output was removed as damaged (DamageRepair).
    func lostMarkerPath(_ key: Digest) -> String { "\(recordsDir)/\(Store.fanOut(key.hex))/\(key.hex).lost" }
    /// Where the records replaced by re-runs of `key` are kept.
    func historyFolder(_ key: Digest) -> String { "\(historyDir)/\(Store.fanOut(key.hex))" }
}
