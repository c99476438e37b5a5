import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A mutation fuzzer of planning. Inputs are planned in a forked
/// child, a batch at a time, so a trap kills the child, not the fuzzer: the parent sees the
/// signal, saves the input that was running and starts a new child for the rest of the batch.
/// An input that takes longer than `perInputSeconds` is a hang: the child is killed the same way.
public final class Fuzzer {
    public struct Options: Sendable {
        public var seed: UInt64
        /// Stop after this long, or after `maxInputs`, whichever comes first.
        public var seconds: Double
        public var maxInputs: Int
        public var perInputSeconds: Double = 2
        public var batchSize: Int = 100
        /// Files and folders of seed YAML; folders are copied whole so includes and code paths
        /// resolve.
        public var corpus: [String]
        /// Where crashing, hanging and unlocated inputs are saved, and the working copies live.
        public var outDir: String

        public init(seed: UInt64, seconds: Double, maxInputs: Int, corpus: [String], outDir: String) {
            self.seed = seed; self.seconds = seconds; self.maxInputs = maxInputs
            self.corpus = corpus; self.outDir = outDir
        }
    }

    public struct Summary: Sendable, Equatable {
        public var tried = 0
        public var planned = 0
        public var located = 0
        public var unlocated = 0
        public var crashes = 0
        public var hangs = 0
        public var line: String {
            "fuzz: \(tried) inputs tried, \(crashes) crashes, \(hangs) hangs, \(unlocated) errors without file:line:col "
                + "(\(located) located errors, \(planned) planned)"
        }
    }

    let options: Options
    let seeds: [String]
    let corpus: [[UInt8]]
    var mutator: Mutator
    var summary = Summary()
    var saved = 0

    public init(options: Options) throws {
        self.options = options
        let fm = FileManager.default
        let work = options.outDir + "/work"
        try? fm.removeItem(atPath: work)
        for sub in ["work", "crashes", "hangs", "unlocated"] {
            try fm.createDirectory(atPath: options.outDir + "/" + sub, withIntermediateDirectories: true)
        }
        var seeds: [String] = []
        for (i, root) in options.corpus.enumerated() {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: root, isDirectory: &isDir) else { continue }
            let copy = "\(work)/\(i)-" + (root as NSString).lastPathComponent
            try fm.copyItem(atPath: root, toPath: copy)
            if isDir.boolValue {
                let files = fm.enumerator(atPath: copy)?.compactMap { $0 as? String } ?? []
                seeds += files.filter { $0.hasSuffix(".yaml") }.sorted().map { copy + "/" + $0 }
            } else {
                seeds.append(copy)
            }
        }
        self.seeds = seeds
        corpus = seeds.map { [UInt8](fm.contents(atPath: $0) ?? Data()) }
        mutator = Mutator(seed: options.seed, corpus: corpus)
    }

    /// One mutated input: the seed it came from (its folder resolves relative paths) and bytes.
    struct Input {
        var seed: Int
        var bytes: [UInt8]
    }

    public func run(progress: ((Summary) -> Void)? = nil) -> Summary {
        guard !seeds.isEmpty else { return summary }
        let deadline = Date().addingTimeInterval(options.seconds)
        while summary.tried < options.maxInputs && Date() < deadline {
            let n = min(options.batchSize, options.maxInputs - summary.tried)
            var batch: [Input] = []
            for _ in 0..<n {
                let s = mutator.below(seeds.count)
                batch.append(Input(seed: s, bytes: mutator.mutate(corpus[s])))
            }
            var next = 0
            while next < batch.count { next = runChild(batch, from: next) }
            progress?(summary)
        }
        return summary
    }

    func mutantPath(_ input: Input) -> String {
        (seeds[input.seed] as NSString).deletingLastPathComponent + "/.fuzz-input.yaml"
    }

    /// Plans `batch[from...]` in a child; returns the index to continue from.
    func runChild(_ batch: [Input], from start: Int) -> Int {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return batch.count }
        let errLog = options.outDir + "/child-stderr.log"
        let pid = fork()
        if pid == 0 {
            close(fds[0])
            let err = open(errLog, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            if err >= 0 { dup2(err, 2); close(err) }
            // A runaway graph fails an allocation (a crash we count) instead of the machine.
            var limit = rlimit(rlim_cur: 4 << 30, rlim_max: 4 << 30)
            setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit)
            for i in start..<batch.count {
                let path = mutantPath(batch[i])
                _ = FileManager.default.createFile(atPath: path, contents: Data(batch[i].bytes))
                Fuzzer.send(fds[1], "b \(i)\n")
                switch PlanOutcome.check(file: path) {
                case .planned: Fuzzer.send(fds[1], "e \(i) p\n")
                case .located: Fuzzer.send(fds[1], "e \(i) l\n")
                case .unlocated(let m):
                    Fuzzer.send(fds[1], "e \(i) u " + m.replacingOccurrences(of: "\n", with: "\\n") + "\n")
                }
            }
            _exit(0)
        }
        close(fds[1])
        defer { close(fds[0]) }
        guard pid > 0 else { return batch.count }
        var current = start
        var buffer: [UInt8] = []
        var lastBegin = Date()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            var p = pollfd(fd: fds[0], events: Int16(POLLIN), revents: 0)
            let wait = max(0, options.perInputSeconds - Date().timeIntervalSince(lastBegin))
            let ready = poll(&p, 1, Int32(exactly: (min(wait, 60) * 1000).rounded(.up)) ?? 1000)
            if ready == 0 {
                kill(pid, SIGKILL)
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                summary.tried += 1; summary.hangs += 1
                save(batch[current], to: "hangs")
                return current + 1
            }
            let n = read(fds[0], &chunk, chunk.count)
            if n <= 0 { break }
            buffer += chunk[0..<n]
            while let nl = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                let fields = line.split(separator: " ", maxSplits: 3).map(String.init)
                guard fields.count >= 2, let i = Int(fields[1]) else { continue }
                if fields[0] == "b" { current = i; lastBegin = Date(); continue }
                summary.tried += 1
                switch fields.count > 2 ? fields[2] : "" {
                case "p": summary.planned += 1
                case "l": summary.located += 1
                default:
                    summary.unlocated += 1
                    save(batch[i], to: "unlocated", note: fields.count > 3 ? fields[3] : "")
                }
                current = i + 1
            }
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        if current < batch.count {
            // The child died on `current` (a trap is SIGILL or SIGTRAP; any death counts).
            summary.tried += 1; summary.crashes += 1
            save(batch[current], to: "crashes", note: "status \(status)")
            return current + 1
        }
        return batch.count
    }

    func save(_ input: Input, to folder: String, note: String = "") {
        saved += 1
        let name = "\(options.outDir)/\(folder)/\(saved)-" + (seeds[input.seed] as NSString).lastPathComponent
        _ = FileManager.default.createFile(atPath: name, contents: Data(input.bytes))
        if !note.isEmpty { _ = FileManager.default.createFile(atPath: name + ".txt", contents: Data((note + "\n").utf8)) }
    }

    static func send(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            off += n
        }
    }
}
