import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// The hashing floor: `FileHashing.sha256` on a 1 GiB file (in the page cache, so the
/// figure is SHA-256's, not the disk's) must stay ≥ 1.5 GB/s. Printed per wall second and per
/// CPU second of this thread: on a shared machine the CPU figure is the steadier one.
enum HashingBench {
    static func run(scratch: String) throws {
        say("\n== file hashing (SHA-256, libcrypto)")
        let path = scratch + "/hash-1gib.bin"
        let size = 1 << 30
        try writePattern(path: path, bytes: size)
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try FileHashing.sha256(path: path) // warms the page cache
        var bestWall = 0.0, bestCPU = 0.0
        for _ in 0..<3 {
            let wall0 = Date(), cpu0 = threadCPUSeconds()
            _ = try FileHashing.sha256(path: path)
            let wall = Date().timeIntervalSince(wall0), cpu = threadCPUSeconds() - cpu0
            bestWall = max(bestWall, Double(size) / wall / 1e9)
            if cpu > 0 { bestCPU = max(bestCPU, Double(size) / cpu / 1e9) }
        }
        say("  1 GiB file: \(String(format: "%.2f", bestWall)) GB/s wall, \(String(format: "%.2f", bestCPU)) GB/s per CPU second"
              + " (best of 3; target ≥ 1.5 GB/s)")
    }

    /// A non-constant pattern, written in 1 MiB blocks.
    private static func writePattern(path: String, bytes: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw XGraphError.io("cannot create the hashing benchmark's file \(path)")
        }
        defer { try? handle.close() }
        let block = 1 << 20
        var chunk = Data(count: block)
        for i in 0..<(bytes / block) {
            chunk.withUnsafeMutableBytes { raw in
                for j in stride(from: 0, to: block, by: 8) { raw.storeBytes(of: UInt64(i &* block &+ j) &* 0x9E37_79B9_7F4A_7C15, toByteOffset: j, as: UInt64.self) }
            }
            try handle.write(contentsOf: chunk)
        }
    }

    private static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
