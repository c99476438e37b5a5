import Foundation

/// Where the running program is, and the programs built beside it (`xgraph-train`,
/// `xgraph-readonly`): a build runs the helpers of the very version that planned it.
public enum RunningProgram {
    /// The running binary's path through /proc/self/exe (links resolved), else argv[0].
    public static var path: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// `name` in the running binary's folder.
    public static func sibling(_ name: String) -> String {
        URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(name).path
    }
}
