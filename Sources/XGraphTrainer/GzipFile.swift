import CZlib
import XGraphCore

/// Whole-file reads through zlib. `gzread` passes a file that is not gzip-compressed through
/// unchanged, so an IDX file that someone has already gunzipped reads the same way.
public enum GzipFile {
    public static func read(path: String) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw XGraphError.io("cannot open \(path)")
        }
        defer { gzclose(file) }
        gzbuffer(file, 1 << 18)
        var out: [UInt8] = []
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let n = gzread(file, buffer.baseAddress, UInt32(chunk))
            if n < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "unknown zlib error"
                throw XGraphError.io("cannot decompress \(path): \(message)")
            }
            if n == 0 { break }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<Int(n)]))
        }
        return out
    }

}
