import Foundation
import XGraphFuzz

// xgraph-fuzz [--seconds N] [--inputs N] [--seed N] [--out DIR] CORPUS...
// xgraph-fuzz --metrics [--seconds N] [--inputs N] [--seed N] [--out DIR]
// Mutates the experiment files in CORPUS (files or folders) and plans each mutant; with
// --metrics, generates metrics.json and params and checks that none makes another node's query
// fail (MetricsFuzz). See `make fuzz`. Ends with one summary line; exits 1 when it found a
// crash, hang, unlocated error or broken query.
// A trapping child would spend seconds printing a backtrace and be counted as a hang: run
// without the backtracer (it reads the variable at start-up, hence the exec).
if ProcessInfo.processInfo.environment["SWIFT_BACKTRACE"] == nil {
    setenv("SWIFT_BACKTRACE", "enable=no", 1)
    execv("/proc/self/exe", CommandLine.unsafeArgv)
}

func fail(_ m: String) -> Never {
    FileHandle.standardError.write(Data("xgraph-fuzz: \(m)\n".utf8))
    exit(64)
}

func parse<T>(_ args: inout ArraySlice<String>, _ flag: String, _ read: (String) -> T?) -> T {
    guard let text = args.popFirst() else { fail("\(flag) needs a value") }
    guard let v = read(text) else { fail("\(flag) \(text): not a valid value") }
    return v
}

var seconds = 600.0, inputs = Int.max, seed: UInt64 = 1, out = "fuzz-out"
var corpus: [String] = []
var metrics = false
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--seconds": seconds = parse(&args, a) { Double($0).flatMap { $0 >= 0 && $0.isFinite ? $0 : nil } }
    case "--inputs": inputs = parse(&args, a) { Int($0).flatMap { $0 >= 0 ? $0 : nil } }
    case "--seed": seed = parse(&args, a) { UInt64($0) }
    case "--out": out = parse(&args, a) { $0 }
    case "--metrics": metrics = true
    default: corpus.append(a)
    }
}
if metrics {
    do {
        var fuzz = MetricsFuzz(seed: seed, outDir: out + "/metrics")
        let summary = try fuzz.run(count: inputs, seconds: seconds)
        for f in summary.failures.prefix(10) { print(f) }
        print(summary.line)
        exit(summary.failures.isEmpty ? 0 : 1)
    } catch {
        fail("\(error)")
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
