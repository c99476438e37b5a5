import XGraphCore

/// One axis coordinate of a node: `data=30M`.
public struct AxisValue: Hashable, Sendable {
    public var axis: String
    public var value: String
    public init(axis: String, value: String) { self.axis = axis; self.value = value }
}

/// How a dataset's content enters keys.
public enum FingerprintMode: Hashable, Sendable {
    /// SHA-256 of every file (cached by path, size, mtime, inode).
    case content
    /// Paths, sizes and mtimes only: cheap for huge data that never changes in place.
    case stat
    /// A version string the user bumps by hand.
    case version(String)
}

public enum NodeKind: Hashable, Sendable {
    /// A declared dataset: nothing runs; its "output digest" is its fingerprint.
    case source(path: String, fingerprint: FingerprintMode)
    /// `run: builtin:<name>`, executed by `xgraph-train <name>` under the step contract.
    case builtin(String)
    /// A user shell command.
    case shell
}

/// An edge: this node reads `name` from the output of `node`.
public struct InputEdge: Hashable, Sendable {
    public var name: String
    public var node: String
    public init(name: String, node: String) { self.name = name; self.node = node }
}

/// One concrete unit of work after expansion. Plain data: planning and keying read it,
/// execution gets only the job rendered from it.
public struct Node: Sendable {
    /// `pretrain/data=30M/model=r101`
    public var id: String
    public var step: String
    public var axes: [AxisValue]
    public var kind: NodeKind
    /// An object: the step's resolved `params`, plus one object per axis (with a `kind` field:
    /// subset, capacity, task, dataset, value). This is the XGRAPH_PARAMS file.
    public var params: JSONValue
    /// The command with every value substituted and quoted, except paths, which stay as
    /// role placeholders: `{{inputs.NAME}}`, `{{out}}`, `{{resume}}`, `{{params_file}}`.
    /// This is the form that enters the key; `CommandRenderer` fills the paths at run time.
    public var command: String
    public var inputs: [InputEdge]
    /// Output paths relative to the output folder that must exist when the command succeeds.
    public var outputs: [String]
    /// Absolute paths of the files and folders whose content enters the key.
    public var code: [String]
    /// Code paths as the user wrote them (relative to the experiment file), for messages.
    public var codeNames: [String]
    public var env: [String: String]
    /// Inherited environment variables whose values enter the key (`key_env:`), sorted.
    public var keyedEnvironment: [String]
    public var resources: Resources
    /// Whether the GPU count enters the key (`gpus_affect_results: true`).
    public var gpusInKey: Bool
    public var retries: Int
    public var resume: Bool
    /// Declared duration estimate in seconds, a fallback for scheduling.
    public var estimateSeconds: Double?
    /// Named mutex groups: at most one job of each group runs at a time.
    public var mutex: [String]
    /// At most this many jobs of this node's step run at once (`max_parallel`).
    public var maxParallel: Int?
    /// On a cluster, up to `maxNodes` nodes of this step ready together run in one job
    /// (`group:`); nil: a job (or array task) per node.
    public var jobGroup: JobGroup?
    /// Where Slurm places the node's job: the file's profile overridden by the step's. Never
    /// part of the key: the same node gives the same result on any partition or account.
    public var slurm: SlurmProfile
    /// The container the command runs in, nil for the host. Its image digest enters the key
    /// (the `container` part); the runtime and its options do not.
    public var container: ContainerSpec?
    /// Folder the command runs in (the experiment file's folder).
    public var workdir: String
    /// Where the step was declared.
    public var location: SourceLocation

    public init(id: String, step: String, axes: [AxisValue], kind: NodeKind, params: JSONValue,
                command: String, inputs: [InputEdge], outputs: [String], code: [String], codeNames: [String],
                env: [String: String], resources: Resources, gpusInKey: Bool, retries: Int, resume: Bool,
                estimateSeconds: Double?, mutex: [String], workdir: String, location: SourceLocation,
                maxParallel: Int? = nil, slurm: SlurmProfile = SlurmProfile(), keyedEnvironment: [String] = [],
                container: ContainerSpec? = nil, jobGroup: JobGroup? = nil) {
        self.container = container; self.jobGroup = jobGroup
        self.maxParallel = maxParallel; self.slurm = slurm; self.keyedEnvironment = keyedEnvironment
        self.id = id; self.step = step; self.axes = axes; self.kind = kind; self.params = params
        self.command = command; self.inputs = inputs; self.outputs = outputs; self.code = code
        self.codeNames = codeNames; self.env = env; self.resources = resources; self.gpusInKey = gpusInKey
        self.retries = retries; self.resume = resume; self.estimateSeconds = estimateSeconds
        self.mutex = mutex; self.workdir = workdir; self.location = location
    }
}
