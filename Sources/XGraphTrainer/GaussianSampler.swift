import Foundation
import XGraphCore

/// Standard normal samples from SplitMix64 by the Box–Muller transform, both outputs used.
struct GaussianSampler {
    private var uniform: SplitMix64
    private var spare: Double?

    init(seed: UInt64) { uniform = SplitMix64(seed: seed) }

    mutating func next() -> Double {
        if let s = spare {
            spare = nil
            return s
        }
        let u1 = 1 - uniform.nextUnit()  // (0, 1]: log stays finite
        let u2 = uniform.nextUnit()
        let r = (-2 * log(u1)).squareRoot()
        spare = r * sin(2 * Double.pi * u2)
        return r * cos(2 * Double.pi * u2)
    }
}

/// Derived seeds: each use of a user's seed (initialisation, shuffling, label noise, ...)
/// gets its own stream, so changing how one is consumed never shifts another.
enum Seeds {
    static let initialisation: UInt64 = 0x696E_6974  // "init"
    static let head: UInt64 = 0x6865_6164            // "head"
    static let shuffle: UInt64 = 0x7368_7566         // "shuf"
    static let labelNoise: UInt64 = 0x6E6F_6973      // "nois"
    static let subsetSize: UInt64 = 0x7369_7A65      // "size"
    static let transferSplit: UInt64 = 0x7370_6C74   // "splt"
    static let episode: UInt64 = 0x6570_6973         // "epis"
    static let noiseMember: UInt64 = 0x6D65_6D62     // "memb"

    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var first = SplitMix64(seed: a)
        var second = SplitMix64(seed: first.next() ^ b)
        return second.next()
    }
}
