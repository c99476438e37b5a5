import XGraphCore

/// What xgraph provides itself: step implementations (`run: builtin:NAME`) and data sets
/// (`source: builtin:NAME`).
public enum Builtins {
    /// Steps the built-in CPU backend implements.
    public static let steps = BuiltinSteps.names

    public struct DatasetSource: Sendable {
        public var path: String
        public var items: Int
    }

    /// Data sets installed by Debian packages; fingerprinted by `stat`, since a package
    /// never rewrites them in place.
    public static let datasets: [String: DatasetSource] = [
        // dataset-fashion-mnist: the 60,000 training images (IDX files).
        "fashion-mnist": DatasetSource(path: BuiltinSteps.fashionMNISTDirectory, items: 60000),
    ]
}
