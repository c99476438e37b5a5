import Foundation
import XGraphFuzz

// xgraph-fuzz [--seconds N] [--inputs N] [--seed N] [--out DIR] CORPUS...
// Mutates the experiment files in CORPUS (files or folders) and plans each mutant; see
// `make fuzz`. Ends with one summary line; exits 1 when it found a crash, hang or unlocated error.
var seconds = 600.0, inputs = Int.max, seed: UInt64 = 1, out = "fuzz-out"
var corpus: [String] = []
var args = CommandLine.arguments.dropFirst()
func fail(_ m: String) -> Never {
    FileHandle.standardError.write(Data("xgraph-fuzz: \(m)\n".utf8))
    exit(64)
}
while let a = args.popFirst() {
    func value() -> String { args.popFirst() ?? fail("\(a) needs a value") }
    switch a {
    case "--seconds": seconds = Double(value()).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } ?? fail("--seconds: a number of seconds")
    case "--inputs": inputs = Int(value()).flatMap { $0 >= 0 ? $0 : nil } ?? fail("--inputs: a count")
    case "--seed": seed = UInt64(value()) ?? fail("--seed: an unsigned integer")
    case "--out": out = value()
    default: corpus.append(a)
    }
}
guard !corpus.isEmpty else { fail("give experiment files or folders to mutate") }
do {
    let fuzzer = try Fuzzer(options: .init(seed: seed, seconds: seconds, maxInputs: inputs, corpus: corpus, outDir: out))
    var last = Date()
    let summary = fuzzer.run { s in
        if Date().timeIntervalSince(last) > 30 { print(s.line); last = Date() }
    }
    print(summary.line)
    exit(summary.crashes + summary.hangs + summary.unlocated == 0 ? 0 : 1)
} catch {
    fail("\(error)")
}
