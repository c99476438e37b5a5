/// The built-in steps' version, shared by the planner (it enters builtin nodes' keys) and the
/// `xgraph-train` program that runs them, which is a separate binary so that the `xgraph`
/// command itself never loads OpenBLAS.
public enum BuiltinSteps {
    /// Bump it whenever a builtin's output for the same inputs changes.
    ///
    /// Version History:
    /// * 1: First version.
    /// * 2: metrics.json holds no timings (`examples_per_second`, `gflops`, `train_seconds` went
    ///   to the log), so a re-run with the same inputs gives byte-identical outputs.
    /// * 3: `transfer` mode `finetune` trains the head on frozen features before every layer
    ///   (it started from a random head); modes `kshot` and `scratch`, `backbone: random`, and
    ///   `classes`/`vocabulary` for class-split studies. Outputs of the other modes over all ten
    ///   classes are unchanged.
    /// * 4: `subset` draws label noise in the `vocabulary` it is given (`coarse`: a flip is to
    ///   another coarse group, so the coarse arm's noise survives the mapping); `pretrain` and
    ///   `transfer` take `steps`, an exact step count. Fine-label subsets and runs without
    ///   `steps` are bitwise as in version 3.
    public static let version = 4

    /// The steps `run: builtin:NAME` may name: the spec validates against this list and
    /// `xgraph-train` implements it.
    public static let names = ["subset", "pretrain", "transfer", "eval"]

    /// Where Debian's `dataset-fashion-mnist` puts the IDX files (`source: builtin:fashion-mnist`).
    public static let fashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// The program that runs builtin steps, installed next to `xgraph`.
    public static let programName = "xgraph-train"
}
