import Foundation
import XGraphCore

/// The GPUs this machine offers to jobs: device ids (nvidia-smi indices) and their model.
///
/// Sources, strongest first: `--gpus` (see `parse(flag:)`, applied by the caller),
/// CUDA_VISIBLE_DEVICES (restricts what nvidia-smi reports, or names the ids when there is no
/// nvidia-smi), nvidia-smi. No nvidia-smi and no variable means a machine without GPUs,
/// which is normal: CPU steps still run.
public struct GPUInventory: Sendable, Equatable {
    public struct Device: Sendable, Equatable {
        public var id: Int
        public var name: String?
        public var uuid: String?
        public init(id: Int, name: String? = nil, uuid: String? = nil) {
            self.id = id; self.name = name; self.uuid = uuid
        }
    }

    public var devices: [Device]
    /// Things the user should hear about (an entry of CUDA_VISIBLE_DEVICES that matches no GPU).
    public var warnings: [String]

    public init(devices: [Device], warnings: [String] = []) {
        self.devices = devices; self.warnings = warnings
    }

    public var ids: [Int] { devices.map(\.id) }
    /// The model name for provenance: one name, or the distinct names joined with " + ".
    public var model: String? {
        var seen = Set<String>()
        let names = devices.compactMap(\.name).filter { seen.insert($0).inserted }
        return names.isEmpty ? nil : names.joined(separator: " + ")
    }

    /// Looks at `environment` (PATH for nvidia-smi, CUDA_VISIBLE_DEVICES).
    public static func detect(environment: [String: String] = ProcessInfo.processInfo.environment) -> GPUInventory {
        let smi = findOnPath("nvidia-smi", path: environment["PATH"] ?? "").flatMap(queryNvidiaSMI)
        return resolve(nvidiaSMI: smi, cudaVisibleDevices: environment["CUDA_VISIBLE_DEVICES"])
    }

    /// Combines what nvidia-smi reported (nil: not available) with CUDA_VISIBLE_DEVICES
    /// (nil: unset). Follows CUDA's reading of the variable: empty means no devices; entries
    /// are indices or GPU UUIDs (a UUID needs nvidia-smi to map it to an index).
    public static func resolve(nvidiaSMI: [Device]?, cudaVisibleDevices: String?) -> GPUInventory {
        guard let visible = cudaVisibleDevices else { return GPUInventory(devices: nvidiaSMI ?? []) }
        var devices: [Device] = []
        var warnings: [String] = []
        for raw in visible.split(separator: ",", omittingEmptySubsequences: true) {
            let entry = raw.trimmingCharacters(in: .whitespaces)
            var found: Device?
            if let index = Int(entry), index >= 0 {
                found = nvidiaSMI.map { $0.first { $0.id == index } } ?? Device(id: index)
            } else if let smi = nvidiaSMI {
                found = smi.first { $0.uuid == entry }
            }
            guard let device = found else {
                warnings.append("CUDA_VISIBLE_DEVICES entry '\(entry)' matches no GPU; ignored")
                continue
            }
            if !devices.contains(where: { $0.id == device.id }) { devices.append(device) }
        }
        return GPUInventory(devices: devices, warnings: warnings)
    }

    /// `--gpus N` gives ids 0..<N; `--gpus 0,2,3` gives exactly those (no repeats).
    public static func parse(flag: String) throws -> [Int] {
        let text = flag.trimmingCharacters(in: .whitespaces)
        let invalid = XGraphError.usage("--gpus '\(flag)': expected a count (e.g. 4) or a comma-separated list of device ids (e.g. 0,2,3)")
        if !text.contains(","), let n = Int(text) {
            guard n >= 0 else { throw invalid }
            return Array(0..<n)
        }
        var ids: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let id = Int(part.trimmingCharacters(in: .whitespaces)), id >= 0 else { throw invalid }
            guard !ids.contains(id) else {
                throw XGraphError.usage("--gpus '\(flag)': device id \(id) is listed twice")
            }
            ids.append(id)
        }
        return ids
    }

    /// Parses `nvidia-smi --query-gpu=index,uuid,name --format=csv,noheader` output.
    public static func parseNvidiaSMI(_ output: String) -> [Device] {
        output.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: ",", maxSplits: 2).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 3, let index = Int(fields[0]) else { return nil }
            return Device(id: index, name: fields[2], uuid: fields[1])
        }
    }

    private static func findOnPath(_ tool: String, path: String) -> String? {
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// nil when nvidia-smi fails (e.g. no driver loaded): then it tells us nothing.
    private static func queryNvidiaSMI(_ executable: String) -> [Device]? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--query-gpu=index,uuid,name", "--format=csv,noheader"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return parseNvidiaSMI(String(decoding: data, as: UTF8.self))
    }
}
