import Foundation
import XGraphCore

/// One-dimensional unsigned-integer arrays in NumPy's `.npy` format, version 1.0, which
/// `numpy.load` and `torch.from_numpy` read directly.
///
/// Layout: the magic "\x93NUMPY", version bytes 1 0, the header length H (UInt16
/// little-endian), then H bytes of an ASCII Python dict literal such as
/// `{'descr': '<u4', 'fortran_order': False, 'shape': (3000,), }`, padded with spaces and
/// ended by "\n" so the data starts on a 64-byte boundary; then the little-endian elements.
/// Writes '<u4' and '<u1'; reads those and '<u8', '<i8', '<i4', '<u2' (non-negative values).
public enum NumpyArray {
    public enum ElementType: String, Sendable {
        case uint8 = "<u1"
        case uint32 = "<u4"
    }

    public static func encode(_ values: [UInt64], as type: ElementType) -> [UInt8] {
        var header = "{'descr': '\(type.rawValue)', 'fortran_order': False, 'shape': (\(values.count),), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var out: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let h = UInt16(header.utf8.count)
        out += [UInt8(h & 0xff), UInt8(h >> 8)]
        out += Array(header.utf8)
        switch type {
        case .uint8:
            out += values.map { UInt8($0) }
        case .uint32:
            for v in values {
                let x = UInt32(v)
                out += [UInt8(x & 0xff), UInt8(x >> 8 & 0xff), UInt8(x >> 16 & 0xff), UInt8(x >> 24)]
            }
        }
        return out
    }

    public static func write(_ values: [UInt64], as type: ElementType, to path: String) throws {
        do { try Data(encode(values, as: type)).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw XGraphError.io("cannot write \(path): \(error.localizedDescription)")
        }
    }

    public static func decode(_ bytes: [UInt8], path: String) throws -> [UInt64] {
        func bad(_ why: String) -> XGraphError { .io("\(path) is not a readable .npy array: \(why)") }
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1..<6]) == Array("NUMPY".utf8) else { throw bad("bad magic") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else if major == 2 || major == 3, bytes.count >= 12 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        } else { throw bad("unsupported version \(major)") }
        guard headerStart + headerLength <= bytes.count,
              let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8)
        else { throw bad("truncated header") }
        guard !header.contains("'fortran_order': True") else { throw bad("Fortran order") }
        guard let descr = field("descr", in: header) else { throw bad("no descr") }
        let widths = ["|u1": 1, "<u1": 1, "|i1": 1, "<u2": 2, "<u4": 4, "<i4": 4, "<u8": 8, "<i8": 8]
        guard let width = widths[descr] else { throw bad("element type \(descr) is not an integer type this reader knows") }
        guard let shapeText = field("shape", in: header) else { throw bad("no shape") }
        let dims = shapeText.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard dims.count == 1 else { throw bad("shape \(shapeText) is not one-dimensional") }
        let dataStart = headerStart + headerLength
        guard bytes.count - dataStart == dims[0] * width else { throw bad("data length does not match shape \(dims[0])") }
        let signed = descr.contains("i")
        return try (0..<dims[0]).map { i in
            var v: UInt64 = 0
            for b in (0..<width).reversed() { v = v << 8 | UInt64(bytes[dataStart + i * width + b]) }
            if signed, v >> (8 * width - 1) & 1 == 1 { throw bad("negative value at position \(i)") }
            return v
        }
    }

    public static func read(path: String) throws -> [UInt64] {
        guard let data = FileManager.default.contents(atPath: path) else { throw XGraphError.io("cannot read \(path)") }
        return try decode([UInt8](data), path: path)
    }

    /// The text after `'name':` up to the matching delimiter, quotes and parentheses removed.
    private static func field(_ name: String, in header: String) -> String? {
        guard let r = header.range(of: "'\(name)':") else { return nil }
        let rest = header[r.upperBound...].drop { $0 == " " }
        if rest.first == "'" {
            let body = rest.dropFirst()
            return body.firstIndex(of: "'").map { String(body[..<$0]) }
        }
        if rest.first == "(" {
            let body = rest.dropFirst()
            return body.firstIndex(of: ")").map { String(body[..<$0]) }
        }
        return nil
    }
}
