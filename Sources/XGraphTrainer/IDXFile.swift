import XGraphCore

/// An array in the IDX format of the MNIST family (LeCun's and Fashion-MNIST's files).
///
/// Layout (all integers big-endian):
///   bytes 0–1  zero
///   byte  2    element type; only 0x08 (unsigned byte) is used by these data sets
///   byte  3    number of dimensions d
///   4·d bytes  the size of each dimension, UInt32
///   then       the elements, row-major, one byte each
/// So images are magic 0x00000803 (count, rows, cols) and labels 0x00000801 (count).
public struct IDXFile: Sendable, Equatable {
    public var dimensions: [Int]
    public var bytes: [UInt8]

    public init(dimensions: [Int], bytes: [UInt8]) {
        self.dimensions = dimensions
        self.bytes = bytes
    }

    /// Parses the decompressed bytes of an IDX file; `path` only names it in errors.
    public init(parsing data: [UInt8], path: String) throws {
        guard data.count >= 4, data[0] == 0, data[1] == 0 else {
            throw XGraphError.io("\(path) is not an IDX file (bad magic number)")
        }
        guard data[2] == 0x08 else {
            throw XGraphError.io("\(path): IDX element type 0x\(String(data[2], radix: 16)) is not supported (only unsigned bytes, 0x08)")
        }
        let rank = Int(data[3])
        let headerSize = 4 + 4 * rank
        guard rank >= 1, data.count >= headerSize else {
            throw XGraphError.io("\(path): truncated IDX header")
        }
        var dims: [Int] = []
        for d in 0..<rank {
            let o = 4 + 4 * d
            dims.append(Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3]))
        }
        let count = dims.reduce(1, *)
        guard data.count == headerSize + count else {
            throw XGraphError.io("\(path): IDX header promises \(count) bytes of data for shape \(dims), file has \(data.count - headerSize)")
        }
        dimensions = dims
        bytes = Array(data[headerSize...])
    }

    /// The file's bytes, header included.
    public func encoded() -> [UInt8] {
        var out: [UInt8] = [0, 0, 0x08, UInt8(dimensions.count)]
        for d in dimensions {
            out += [UInt8(d >> 24 & 0xff), UInt8(d >> 16 & 0xff), UInt8(d >> 8 & 0xff), UInt8(d & 0xff)]
        }
        return out + bytes
    }

    /// Reads an IDX file, gzip-compressed or not.
    public static func read(path: String) throws -> IDXFile {
        try IDXFile(parsing: GzipFile.read(path: path), path: path)
    }
}
