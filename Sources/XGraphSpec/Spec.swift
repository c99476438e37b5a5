import XGraphCore

/// A validated experiment: everything declared in the experiment file and its includes, in
/// declaration order (the declarations of included files first, in `include:` order, then the
/// including file's own). Every file path in it is absolute. References between declarations
/// (a subset's dataset, an axis source, an input step, filter values) are checked here; what
/// needs the whole graph (input matching, cycles, template names) is checked by expansion.
public struct Spec: Sendable {
    /// The experiment file that was loaded, absolute.
    public var file: String
    /// Every file read: the experiment file first, then its includes.
    public var files: [String]
    public var datasets: [DatasetSpec]
    public var subsets: [SubsetSpec]
    public var models: [ModelSpec]
    public var tasks: [TaskSpec]
    public var steps: [StepSpec]
    /// The executor the file asks for (`executor:`), nil when no file says; the command line
    /// and `XGRAPH_EXECUTOR` override it.
    public var executor: ExecutorKind?
    /// Where `executor:` was written, for messages about it.
    public var executorLocation: SourceLocation?
    /// The file-level Slurm profile (`executor: {slurm: {...}}`), empty when none was given.
    /// Each node's own profile (`Node.slurm`) is this overridden by its step's `slurm:`.
    public var slurm: SlurmProfile
    /// The remote cache the file names (`remote:`), nil when none does; `--remote` and
    /// `XGRAPH_REMOTE` override its URL.
    public var remote: RemoteSpec?

    public init(file: String, files: [String], datasets: [DatasetSpec], subsets: [SubsetSpec],
                models: [ModelSpec], tasks: [TaskSpec], steps: [StepSpec], executor: ExecutorKind? = nil,
                executorLocation: SourceLocation? = nil, slurm: SlurmProfile = SlurmProfile()) {
        self.file = file; self.files = files; self.datasets = datasets; self.subsets = subsets
        self.models = models; self.tasks = tasks; self.steps = steps
        self.executor = executor; self.executorLocation = executorLocation; self.slurm = slurm
    }

    public func dataset(named name: String) -> DatasetSpec? { datasets.first { $0.name == name } }
    public func subset(named name: String) -> SubsetSpec? { subsets.first { $0.name == name } }
    public func model(named name: String) -> ModelSpec? { models.first { $0.name == name } }
    public func task(named name: String) -> TaskSpec? { tasks.first { $0.name == name } }
    public func step(named name: String) -> StepSpec? { steps.first { $0.name == name } }
}

/// How a dataset's content enters keys (mirrors the graph's `FingerprintMode`; the spec layer
/// sits below the graph and cannot name it).
public enum DatasetFingerprint: Hashable, Sendable {
    case content
    case stat
    case version(String)
}

public struct DatasetSpec: Sendable {
    public var name: String
    /// Absolute path of the file or folder.
    public var path: String
    public var fingerprint: DatasetFingerprint
    /// Number of items, when declared (or known for a builtin source).
    public var items: Int?
    /// `builtin:fashion-mnist` when declared with `source:`.
    public var source: String?
    /// Free-form attributes from `attrs:`.
    public var attributes: [String: JSONValue]
    public var location: SourceLocation
}

/// One size of a subset family: `30M` as written and the count it stands for.
public struct SubsetSize: Sendable {
    public var label: String
    public var count: Int
    public var location: SourceLocation
}

public struct SubsetSpec: Sendable {
    public var name: String
    public var dataset: String
    public var sizes: [SubsetSize]
    /// Whether each smaller subset is contained in every larger one.
    public var nested: Bool
    public var seed: Int
    /// Fraction of labels replaced at random (0...1), when declared.
    public var labelNoise: Double?
    public var location: SourceLocation
    /// True when `dataset` names a step whose output the subsets are drawn from (a generated
    /// data set), not a declared dataset.
    public var fromStep = false
    /// How many items that step's output holds (`items:`, required then: the output is not there
    /// when the grid is planned).
    public var items: Int?
}

public struct CapacitySpec: Sendable {
    public var name: String
    public var params: [String: JSONValue]
    public var location: SourceLocation
}

public struct ModelSpec: Sendable {
    public var name: String
    /// Parameters shared by every capacity; a capacity's own parameters win.
    public var params: [String: JSONValue]
    public var capacities: [CapacitySpec]
    public var location: SourceLocation
}

public struct TaskSpec: Sendable {
    public var name: String
    public var attributes: [String: JSONValue]
    public var location: SourceLocation
}

/// Where an axis takes its values from.
public enum AxisSource: Hashable, Sendable, CustomStringConvertible {
    /// `subsets` (every size of every subset family) or `subsets.NAME`.
    case subsets(String?)
    /// `models` (every capacity of every model) or `models.NAME`.
    case models(String?)
    /// `tasks` or `tasks.NAME`.
    case tasks(String?)
    /// `datasets` or `datasets.NAME`.
    case datasets(String?)
    /// `AXIS.subsets`: the subsets of the datasets that axis `axis` of the same step ranges
    /// over (`datasets` if `datasets` is nil, else `datasets.NAME`). A node takes only the subsets
    /// of its own value on that axis, so the subsets of several datasets form one grid whose
    /// nodes are named by dataset and size (`source=jft/data=1M`), never by size alone.
    case subsetsOf(axis: String, datasets: String?)
    /// A literal list `[0.1, 0.01]`: each item's YAML text is its label.
    case literal([LiteralValue])

    public var description: String {
        func named(_ kind: String, _ n: String?) -> String { n.map { "\(kind).\($0)" } ?? kind }
        switch self {
        case .subsets(let n): return named("subsets", n)
        case .models(let n): return named("models", n)
        case .tasks(let n): return named("tasks", n)
        case .datasets(let n): return named("datasets", n)
        case .subsetsOf(let axis, _): return "\(axis).subsets"
        case .literal(let vs): return "[" + vs.map(\.label).joined(separator: ", ") + "]"
        }
    }

    /// What kind of thing the axis ranges over; an input matches axes of the same kind.
    public var kind: String {
        switch self {
        case .subsets, .subsetsOf: return "subset"
        case .models: return "capacity"
        case .tasks: return "task"
        case .datasets: return "dataset"
        case .literal: return "value"
        }
    }
}

public struct LiteralValue: Hashable, Sendable {
    /// The YAML scalar text: the node-name label.
    public var label: String
    public var value: JSONValue
}

/// One `foreach` entry: `model: models.resnet`.
public struct AxisSpec: Sendable {
    public var name: String
    public var source: AxisSource
    public var location: SourceLocation
}

/// `where: {axis: value}` on an input: pins one upstream axis to a value label.
public struct AxisPin: Sendable {
    public var axis: String
    public var value: String
    public var location: SourceLocation
}

public enum InputRef: Sendable {
    /// The output of another step's node, matched on the axes both share and pinned by `where:`.
    case step(String, where: [AxisPin])
    /// A declared dataset, read in place.
    case dataset(String)
    /// `datasets.{{ AXIS }}`: the dataset this node takes on axis AXIS (an axis over datasets),
    /// read in place: each node of a grid over datasets reads its own.
    case datasetOnAxis(String)
}

public struct InputSpec: Sendable {
    public var name: String
    public var ref: InputRef
    public var location: SourceLocation
}

/// One `exclude:` or `only:` entry: axis → accepted value labels. A node matches when every
/// listed axis has one of the listed values.
public struct AxisFilter: Sendable {
    public var values: [String: [String]]
    public var location: SourceLocation
}

public struct CodePath: Sendable {
    /// As written, relative to the file that declares the step.
    public var written: String
    public var absolute: String
}

public struct EnvSpec: Sendable {
    public var name: String
    public var value: Template
}

public enum StepAction: Sendable {
    /// `run: builtin:<name>`
    case builtin(String)
    /// `command:` a shell command template.
    case command(Template)
}

public struct StepSpec: Sendable {
    public var name: String
    public var action: StepAction
    public var foreach: [AxisSpec]
    public var inputs: [InputSpec]
    public var params: [String: JSONValue]
    public var outputs: [String]
    public var code: [CodePath]
    public var env: [EnvSpec]
    /// `key_env:` names of inherited environment variables whose values enter the key.
    public var keyEnv: [String] = []
    public var resources: Resources
    public var gpusAffectResults: Bool
    public var retries: Int
    public var resume: Bool
    public var estimateSeconds: Double?
    public var mutex: [String]
    /// At most this many of the step's jobs at once (`max_parallel`), nil for no limit.
    public var maxParallel: Int?
    /// `group: { max_nodes, max_time }`: on a cluster, its short nodes share jobs.
    public var jobGroup: JobGroup? = nil
    public var exclude: [AxisFilter]
    public var only: [AxisFilter]
    /// The step's `slurm:` profile, nil when it has none; its fields override the file's.
    public var slurm: SlurmProfile?
    /// The container its command runs in: its own `container:`, else the file's (never for a
    /// builtin step, nor for one that says `container: none`); nil to run on the host.
    public var container: ContainerSpec?
    /// Folder of the file that declares the step: commands run there, and relative paths
    /// in it are resolved against it.
    public var workdir: String
    public var location: SourceLocation
}

/// `remote: URL` or `remote: { url: URL, trusted_keys: [ed25519:…] }`. The URL's form is checked
/// by the remote module (XGraphRemote) when it is used, with `location` in the message; keys
/// are public keys, never secrets (credentials are refused in this file).
public struct RemoteSpec: Sendable, Equatable {
    public var url: String
    public var trustedKeys: [String]
    public var location: SourceLocation
    /// Where each trusted key was written.
    public var keyLocations: [SourceLocation]
    public init(url: String, trustedKeys: [String], location: SourceLocation, keyLocations: [SourceLocation]) {
        self.url = url; self.trustedKeys = trustedKeys; self.location = location; self.keyLocations = keyLocations
    }
}
