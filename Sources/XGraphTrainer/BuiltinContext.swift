import Foundation
import XGraphCore

/// What a `builtin:<name>` step receives through the step contract.
public struct BuiltinContext: Sendable {
    /// The contents of the XGRAPH_PARAMS file.
    public var params: JSONValue
    /// Input name → folder path (an upstream output folder or a dataset folder).
    public var inputs: [String: String]
    /// XGRAPH_OUT: the empty folder to write into.
    public var outputDirectory: String
    /// XGRAPH_RESUME, when the step declares `resume: true`. The builtins finish in seconds
    /// to minutes and keep no resumable state, so none of them reads it yet.
    public var resumeDirectory: String?

    public init(params: JSONValue, inputs: [String: String], outputDirectory: String, resumeDirectory: String? = nil) {
        self.params = params
        self.inputs = inputs
        self.outputDirectory = outputDirectory
        self.resumeDirectory = resumeDirectory
    }

    func output(_ name: String) -> String {
        (outputDirectory as NSString).appendingPathComponent(name)
    }

    func requiredInput(_ name: String, builtin: String, holding what: String) throws -> String {
        guard let path = inputs[name] else {
            let given = inputs.keys.sorted().joined(separator: ", ")
            throw XGraphError.spec(nil, "builtin:\(builtin) needs an input named `\(name)` (\(what)); the step gives \(given.isEmpty ? "no inputs" : given)")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            throw XGraphError.io("builtin:\(builtin): input `\(name)` at \(path) does not exist")
        }
        return path
    }

    /// The Fashion-MNIST folder: the `dataset` input, or Debian's install location.
    func datasetDirectory(builtin: String) throws -> String {
        let dir = inputs["dataset"] ?? FashionMNIST.defaultDirectory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw XGraphError.io("builtin:\(builtin): dataset folder \(dir) not found; for Fashion-MNIST run `apt-get install dataset-fashion-mnist`")
        }
        return dir
    }

    /// A checkpoint input: a pretrain/transfer output folder holding model.safetensors, or the file.
    func checkpoint(builtin: String) throws -> Checkpoint {
        let path = try requiredInput("checkpoint", builtin: builtin, holding: "a pretrain output folder")
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let file = exists && isDirectory.boolValue ? (path as NSString).appendingPathComponent("model.safetensors") : path
        return try Checkpoint.read(path: file)
    }
}
