import XGraphCore

/// What a key part is, typed: the one place that knows how each kind is spelled in the key's
/// encoding (`param:lr`, `code:train.py`). The spelling is part of every key ever written (the
/// encoding hashes the name), so `text` must never change for an existing kind: golden keys in
/// ExperimentKeyTests pin it.
public enum KeyPartName: Hashable, Sendable {
    case version
    case kind
    /// One top-level entry of the node's params.
    case param(String)
    case command
    /// A declared `code:` path, as written.
    case code(String)
    /// A declared `env:` variable.
    case env(String)
    /// An inherited variable the step names in `key_env:`.
    case inheritedEnv(String)
    case outputs
    /// The digest of the container image the command runs in (only for nodes with a
    /// `container:`, so other keys are unchanged).
    case container
    /// The GPU count, for steps whose results depend on it.
    case gpus
    /// The output digest of the node's input of this name.
    case input(String)

    /// The name as the encoding and the records spell it.
    public var text: String {
        switch self {
        case .version: return "version"
        case .kind: return "kind"
        case .param(let n): return "param:" + n
        case .command: return "command"
        case .code(let n): return "code:" + n
        case .env(let n): return "env:" + n
        case .inheritedEnv(let n): return "inherited-env:" + n
        case .outputs: return "outputs"
        case .container: return "container"
        case .gpus: return "gpus"
        case .input(let n): return "input:" + n
        }
    }

    /// Reads a recorded name back; nil for a name no version of xgraph wrote.
    public init?(text: String) {
        let colon = text.firstIndex(of: ":")
        let prefix = colon.map { String(text[..<$0]) } ?? text
        let rest = colon.map { String(text[text.index(after: $0)...]) }
        switch (prefix, rest) {
        case ("version", nil): self = .version
        case ("kind", nil): self = .kind
        case ("command", nil): self = .command
        case ("outputs", nil): self = .outputs
        case ("gpus", nil): self = .gpus
        case ("container", nil): self = .container
        case ("param", let n?): self = .param(n)
        case ("code", let n?): self = .code(n)
        case ("env", let n?): self = .env(n)
        case ("inherited-env", let n?): self = .inheritedEnv(n)
        case ("input", let n?): self = .input(n)
        default: return nil
        }
    }

    /// How messages name the part: `param lr`, `code train.py`, `inherited-env PYTHONHASHSEED`.
    var label: String {
        switch self {
        case .version, .kind, .command, .outputs, .gpus, .container: return text
        case .param(let n): return "param " + n
        case .code(let n): return "code " + n
        case .env(let n): return "env " + n
        case .inheritedEnv(let n): return "inherited-env " + n
        case .input(let n): return "input " + n
        }
    }

    /// Whether a change's old and new values are worth printing (short, readable values; code
    /// and input digests are not).
    var showsValues: Bool {
        switch self {
        case .param, .env, .inheritedEnv, .gpus, .kind, .version, .container: return true
        case .command, .code, .outputs, .input: return false
        }
    }
}

extension KeyPart {
    init(_ name: KeyPartName, value: String, digest: Digest) {
        self.init(name: name.text, value: value, digest: digest)
    }

    /// What the part is; nil for a name no version of xgraph wrote.
    public var kind: KeyPartName? { KeyPartName(text: name) }
}
