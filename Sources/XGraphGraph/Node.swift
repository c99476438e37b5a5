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

/// What every node of one step has in common: how it runs, what it writes, what it needs and
/// where it goes. Expansion builds one per step and every node of the step refers to it, so a
/// node holds only what differs between nodes (its id, axis values, params, command, inputs,
/// env), and copying a node copies one reference instead of every field.
public struct StepDefinition: Sendable {
    public var name: String
    public var kind: NodeKind
    /// Output paths relative to the output folder that must exist when the command succeeds.
    public var outputs: [String]
    /// Absolute paths of the files and folders whose content enters the key.
    public var code: [String]
    /// Code paths as the user wrote them (relative to the experiment file), for messages.
    public var codeNames: [String]
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
    /// At most this many jobs of this step run at once (`max_parallel`).
    public var maxParallel: Int?
    /// On a cluster, up to `maxNodes` nodes of this step ready together run in one job
    /// (`group:`); nil: a job (or array task) per node.
    public var jobGroup: JobGroup?
    /// Where Slurm places the step's jobs: the file's profile overridden by the step's. Never
    /// part of the key: the same node gives the same result on any partition or account.
    public var slurm: SlurmProfile
    /// The container the command runs in, nil for the host. Its image digest enters the key
    /// (the `container` part); the runtime and its options do not.
    public var container: ContainerSpec?
    /// Folder the command runs in (the experiment file's folder).
    public var workdir: String
    /// Where the step was declared.
    public var location: SourceLocation

    public init(name: String, kind: NodeKind, outputs: [String], code: [String], codeNames: [String],
                resources: Resources, gpusInKey: Bool, retries: Int, resume: Bool, estimateSeconds: Double?,
                mutex: [String], workdir: String, location: SourceLocation, maxParallel: Int? = nil,
                slurm: SlurmProfile = SlurmProfile(), keyedEnvironment: [String] = [], container: ContainerSpec? = nil,
                jobGroup: JobGroup? = nil) {
        self.name = name; self.kind = kind; self.outputs = outputs; self.code = code; self.codeNames = codeNames
        self.resources = resources; self.gpusInKey = gpusInKey; self.retries = retries; self.resume = resume
        self.estimateSeconds = estimateSeconds; self.mutex = mutex; self.workdir = workdir; self.location = location
        self.maxParallel = maxParallel; self.slurm = slurm; self.keyedEnvironment = keyedEnvironment
        self.container = container; self.jobGroup = jobGroup
    }

    /// One step's definition, shared by reference among its nodes. Immutable: a node that
    /// changes a step field gets a definition of its own (copy on write), never its siblings'.
    public final class Shared: Sendable {
        public let value: StepDefinition
        public init(_ value: StepDefinition) { self.value = value }
    }
}

/// One concrete unit of work after expansion. Plain data: planning and keying read it,
/// execution gets only the job rendered from it. The step's fields are read through the
/// node (`node.resources`) but stored once per step (`StepDefinition`).
public struct Node: Sendable {
    /// `pretrain/data=30M/model=r101`
    public var id: String
    public var axes: [AxisValue]
    /// An object: the step's resolved `params`, plus one object per axis (with a `kind` field:
    /// subset, capacity, task, dataset, value). This is the XGRAPH_PARAMS file.
    public var params: JSONValue
    /// The command with every value substituted and quoted, except paths, which stay as
    /// role placeholders: `{{inputs.NAME}}`, `{{out}}`, `{{resume}}`, `{{params_file}}`.
    /// This is the form that enters the key; `CommandRenderer` fills the paths at run time.
    public var command: String
    public var inputs: [InputEdge]
    /// The step's `env:` with this node's values substituted.
    public var env: [String: String]
    private var shared: StepDefinition.Shared

    /// A node of the step `shared` (every node of a step passes the same one).
    public init(id: String, axes: [AxisValue], params: JSONValue, command: String, inputs: [InputEdge],
                env: [String: String], step shared: StepDefinition.Shared) {
        self.id = id; self.axes = axes; self.params = params; self.command = command; self.inputs = inputs
        self.env = env; self.shared = shared
    }

    /// A node with a step definition of its own (tests, and nodes built one at a time).
    public init(id: String, step: String, axes: [AxisValue], kind: NodeKind, params: JSONValue,
                command: String, inputs: [InputEdge], outputs: [String], code: [String], codeNames: [String],
                env: [String: String], resources: Resources, gpusInKey: Bool, retries: Int, resume: Bool,
                estimateSeconds: Double?, mutex: [String], workdir: String, location: SourceLocation,
                maxParallel: Int? = nil, slurm: SlurmProfile = SlurmProfile(), keyedEnvironment: [String] = [],
                container: ContainerSpec? = nil, jobGroup: JobGroup? = nil) {
        let definition = StepDefinition(
            name: step, kind: kind, outputs: outputs, code: code, codeNames: codeNames, resources: resources,
            gpusInKey: gpusInKey, retries: retries, resume: resume, estimateSeconds: estimateSeconds, mutex: mutex,
            workdir: workdir, location: location, maxParallel: maxParallel, slurm: slurm,
            keyedEnvironment: keyedEnvironment, container: container, jobGroup: jobGroup)
        self.init(id: id, axes: axes, params: params, command: command, inputs: inputs, env: env,
                  step: StepDefinition.Shared(definition))
    }

    /// The step this node belongs to.
    public var definition: StepDefinition {
        get { shared.value }
        set { shared = StepDefinition.Shared(newValue) }
    }

    public var step: String { get { shared.value.name } set { definition.name = newValue } }
    public var kind: NodeKind { get { shared.value.kind } set { definition.kind = newValue } }
    public var outputs: [String] { get { shared.value.outputs } set { definition.outputs = newValue } }
    public var code: [String] { get { shared.value.code } set { definition.code = newValue } }
    public var codeNames: [String] { get { shared.value.codeNames } set { definition.codeNames = newValue } }
    public var keyedEnvironment: [String] { get { shared.value.keyedEnvironment } set { definition.keyedEnvironment = newValue } }
    public var resources: Resources { get { shared.value.resources } set { definition.resources = newValue } }
    public var gpusInKey: Bool { get { shared.value.gpusInKey } set { definition.gpusInKey = newValue } }
    public var retries: Int { get { shared.value.retries } set { definition.retries = newValue } }
    public var resume: Bool { get { shared.value.resume } set { definition.resume = newValue } }
    public var estimateSeconds: Double? { get { shared.value.estimateSeconds } set { definition.estimateSeconds = newValue } }
    public var mutex: [String] { get { shared.value.mutex } set { definition.mutex = newValue } }
    public var maxParallel: Int? { get { shared.value.maxParallel } set { definition.maxParallel = newValue } }
    public var slurm: SlurmProfile { get { shared.value.slurm } set { definition.slurm = newValue } }
    public var container: ContainerSpec? { get { shared.value.container } set { definition.container = newValue } }
    public var workdir: String { get { shared.value.workdir } set { definition.workdir = newValue } }
    public var location: SourceLocation { get { shared.value.location } set { definition.location = newValue } }
    public var jobGroup: JobGroup? { get { shared.value.jobGroup } set { definition.jobGroup = newValue } }
}
