import Foundation
import XGraphCore

/// A Float32 tensor: its shape and its values in row-major order.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count)
        self.shape = shape
        self.values = values
    }
}

/// A safetensors file (Hugging Face's format, read by `safetensors.torch.load_file`).
///
/// Layout:
///   8 bytes   N, the header length, UInt64 little-endian
///   N bytes   UTF-8 JSON: {"__metadata__": {string: string},
///             "<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}
///             padded with spaces to a multiple of 8 bytes so the data is aligned
///   the data  each tensor's little-endian bytes at [begin, end) from the end of the header
/// This encoder writes only F32, tensors in the given order, packed, and the header in
/// canonical JSON (sorted keys), so the same tensors always give the same bytes.
public struct SafetensorsFile: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var tensor: Tensor
        public init(name: String, tensor: Tensor) {
            self.name = name
            self.tensor = tensor
        }
    }

    public var entries: [Entry]
    public var metadata: [String: String]

    public init(entries: [Entry], metadata: [String: String] = [:]) {
        self.entries = entries
        self.metadata = metadata
    }

    public subscript(name: String) -> Tensor? {
        entries.first { $0.name == name }?.tensor
    }

    public func encoded() -> [UInt8] {
        var header: [String: JSONValue] = [:]
        if !metadata.isEmpty { header["__metadata__"] = .object(metadata.mapValues { .string($0) }) }
        var offset = 0
        for e in entries {
            let size = e.tensor.values.count * 4
            header[e.name] = .object([
                "dtype": .string("F32"),
                "shape": .array(e.tensor.shape.map { .int($0) }),
                "data_offsets": .array([.int(offset), .int(offset + size)]),
            ])
            offset += size
        }
        var json = Array(JSONValue.object(header).canonical.utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: json)
        for e in entries {
            for v in e.tensor.values {
                withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) }
            }
        }
        return out
    }

    public init(decoding bytes: [UInt8], path: String = "safetensors data") throws {
        func bad(_ why: String) -> XGraphError { .io("\(path) is not a valid safetensors file: \(why)") }
        guard bytes.count >= 8 else { throw bad("shorter than its 8-byte header length") }
        var n: UInt64 = 0
        for i in (0..<8).reversed() { n = n << 8 | UInt64(bytes[i]) }
        guard n <= UInt64(bytes.count - 8) else { throw bad("header length \(n) exceeds the file") }
        let dataStart = 8 + Int(n)
        let header: JSONValue
        do { header = try JSONValue.parse(Data(bytes[8..<dataStart])) } catch { throw bad("header is not JSON") }
        guard let fields = header.objectValue else { throw bad("header is not a JSON object") }
        var meta: [String: String] = [:]
        if let m = fields["__metadata__"] {
            guard let o = m.objectValue else { throw bad("__metadata__ is not an object") }
            for (k, v) in o {
                guard let s = v.stringValue else { throw bad("metadata value of \(k) is not a string") }
                meta[k] = s
            }
        }
        var found: [(begin: Int, entry: Entry)] = []
        for (name, info) in fields where name != "__metadata__" {
            guard let dtype = info["dtype"]?.stringValue else { throw bad("tensor \(name) has no dtype") }
            guard dtype == "F32" else { throw XGraphError.io("\(path): tensor \(name) has dtype \(dtype); only F32 is supported") }
            guard let shape = info["shape"]?.arrayValue?.compactMap(\.intValue),
                  shape.count == info["shape"]?.arrayValue?.count, shape.allSatisfy({ $0 >= 0 })
            else { throw bad("tensor \(name) has no valid shape") }
            guard let offsets = info["data_offsets"]?.arrayValue?.compactMap(\.intValue), offsets.count == 2,
                  offsets[0] >= 0, offsets[0] <= offsets[1], dataStart + offsets[1] <= bytes.count
            else { throw bad("tensor \(name) has data offsets outside the file") }
            let count = shape.reduce(1, *)
            guard offsets[1] - offsets[0] == count * 4 else {
                throw bad("tensor \(name) of shape \(shape) needs \(count * 4) bytes, its offsets span \(offsets[1] - offsets[0])")
            }
            var values = [Float](repeating: 0, count: count)
            let base = dataStart + offsets[0]
            for i in 0..<count {
                let o = base + 4 * i
                let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
                values[i] = Float(bitPattern: bits)
            }
            found.append((offsets[0], Entry(name: name, tensor: Tensor(shape: shape, values: values))))
        }
        // File order, so that decode(encode(x)) == x.
        entries = found.sorted { ($0.begin, $0.entry.name) < ($1.begin, $1.entry.name) }.map(\.entry)
        metadata = meta
    }

    public func write(to path: String) throws {
        do { try Data(encoded()).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw XGraphError.io("cannot write \(path): \(error.localizedDescription)")
        }
    }

    public static func read(path: String) throws -> SafetensorsFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw XGraphError.io("cannot read \(path)")
        }
        return try SafetensorsFile(decoding: [UInt8](data), path: path)
    }
}
