import Foundation
import XCTest

/// Steps that run in a container (docs/containers.md), with a real podman (PodmanSupport): the
/// image's digest is a key part, inputs are read-only inside, GPU ids pass through, the step
/// contract holds, and a missing runtime or a moving tag is a clear error.
final class ContainerTests: XCTestCase {
    /// A harness whose xgraph runs podman with the support's storage and configuration.
    func harness(_ p: PodmanSupport) throws -> (CLIHarness, [String: String]) {
        (try CLIHarness(), p.env)
    }

    func testANewImageDigestReRunsExactlyTheStepsThatUseIt() throws {
        let p = try PodmanSupport.get()
        let (h, env) = try harness(p)
        func spec(_ x: String) -> String {
            """
            steps:
              x:
                container: { image: "\(x)", options: [--network=none] }
                command: cat /etc/variant > {{ out }}/variant
              y:
                container: { image: "\(p.imageB)", options: [--network=none] }
                command: cat /etc/variant > {{ out }}/variant; echo y > {{ out }}/who
              host:
                command: echo host > {{ out }}/o
              down:
                inputs: { v: x }
                command: cat {{ inputs.v }}/variant > {{ out }}/v

            """
        }
        try h.write("exp.yaml", spec(p.imageA))
        let first = try h.run(["build", "exp.yaml"], env: env)
        XCTAssertEqual(first.status, 0, first.all)
        XCTAssertEqual(CLIHarness.started(first), ["down", "host", "x", "y"], first.all)

        XCTAssertEqual(CLIHarness.started(try h.run(["build", "exp.yaml"], env: env)), [])
        try h.write("exp.yaml", spec(p.imageB))
        let plan = try h.run(["plan", "exp.yaml"], env: env)
        XCTAssertTrue(plan.out.contains("container changed image-id sha256:"), plan.out)
        let explain = try h.run(["explain", "exp.yaml", "x"], env: env)
        XCTAssertTrue(explain.out.contains("* container"), explain.out)
        XCTAssertTrue(explain.out.contains("image-id \(p.imageB.prefix(40))"), explain.out)

        // x now runs in b's image; down reads x's new output, so it runs too (its input changed).
        let second = try h.run(["build", "exp.yaml"], env: env)
        XCTAssertEqual(second.status, 0, second.all)
        XCTAssertEqual(CLIHarness.started(second), ["down", "x"], second.all)
        let out = try h.run(["path", "exp.yaml", "down"], env: env).out.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try String(contentsOfFile: out + "/v", encoding: .utf8), "b\n")
    }

    func testTheStepContractHoldsInsideTheContainer() throws {
        let p = try PodmanSupport.get()
        let (h, env) = try harness(p)
        try h.write("data.txt", "seven\n")
        // The file-level container applies to every command step that does not say otherwise.
        try h.write("exp.yaml", """
            datasets:
              d: { path: data.txt }
            container: { image: "\(p.imageA)", options: [--network=none] }
            steps:
              prep:
                container: none
                inputs: { data: datasets.d }
                command: cp {{ inputs.data }} {{ out }}/copy.txt; test ! -e /etc/variant && echo host > {{ out }}/where
              train:
                foreach: { lr: [0.5] }
                inputs: { prep: prep, data: datasets.d }
                params: { epochs: 3 }
                env: { MODE: "fast-{{ lr }}" }
                resume: true
                outputs: [where, params.json, seen.txt]
                command: |
                  echo "epoch 3" > "$XGRAPH_RESUME/progress"
                  cat /etc/variant > {{ out }}/where
                  cat "$XGRAPH_PARAMS" > {{ out }}/params.json
                  cat {{ inputs.prep }}/copy.txt "$XGRAPH_IN_DATA" > {{ out }}/seen.txt
                  echo "$MODE $XGRAPH_NODE $(pwd)" >> {{ out }}/seen.txt
                  echo '{"accuracy": 0.75}' > "$XGRAPH_OUT/metrics.json"

            """)
        let r = try h.run(["build", "exp.yaml"], env: env)
        XCTAssertEqual(r.status, 0, r.all)
        func output(_ node: String) throws -> String {
            try h.run(["path", "exp.yaml", node], env: env).out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        XCTAssertEqual(try String(contentsOfFile: try output("prep") + "/where", encoding: .utf8), "host\n")
        let train = try output("train/lr=0.5")
        XCTAssertEqual(try String(contentsOfFile: train + "/where", encoding: .utf8), "a\n", "ran in image a")
        let params = try String(contentsOfFile: train + "/params.json", encoding: .utf8)
        XCTAssertTrue(params.contains("\"epochs\":3"), params)
        XCTAssertEqual(try String(contentsOfFile: train + "/seen.txt", encoding: .utf8),
                       "seven\nseven\nfast-0.5 train/lr=0.5 \(h.dir.path)\n")
        let results = try h.run(["results", "exp.yaml", "--step", "train", "--format", "csv"], env: env)
        XCTAssertTrue(results.out.contains("0.75"), results.all)
    }

    func testAStepThatWritesIntoItsInputFails() throws {
        let p = try PodmanSupport.get()
        let (h, env) = try harness(p)
        try h.write("exp.yaml", """
            steps:
              up:
                command: echo original > {{ out }}/f
              bad:
                inputs: { up: up }
                container: { image: "\(p.imageA)", options: [--network=none] }
                command: echo changed > {{ inputs.up }}/f && echo '{}' > {{ out }}/metrics.json

            """)
        let r = try h.run(["build", "exp.yaml"], env: env)
        XCTAssertNotEqual(r.status, 0, r.all)
        XCTAssertTrue(r.all.contains("FAILED bad"), r.all)
        let log = try h.run(["logs", "bad"], env: env)
        XCTAssertTrue(log.out.contains("Read-only file system"), log.all)
        let up = try h.run(["path", "exp.yaml", "up"], env: env).out.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(try String(contentsOfFile: up + "/f", encoding: .utf8), "original\n")
    }

    /// The time limit's SIGTERM reaches the step inside (through the container's init), and no
    /// container is left behind.
    func testATimeLimitStopsTheStepInsideTheContainer() throws {
        let p = try PodmanSupport.get()
        let (h, env) = try harness(p)
        try h.write("exp.yaml", """
            steps:
              slow:
                resources: { time: 2s }
                container: { image: "\(p.imageA)", options: [--network=none] }
                command: sleep 60

            """)
        let start = Date()
        let r = try h.run(["build", "exp.yaml"], env: env)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.all.contains("timed out after 2s"), r.all)
        XCTAssertLessThan(Date().timeIntervalSince(start), 10, "SIGTERM did not stop the step; it waited for SIGKILL")
        let left = try p.home.run(executable: "/usr/bin/podman", ["ps", "--all", "--quiet"], env: p.env)
        XCTAssertEqual(left.out, "", left.all)
    }

    /// Two fake GPUs (a CDI spec in /etc/cdi whose devices are /dev/null and which set a
    /// variable per device, so the test sees which device podman gave the container). Each job
    /// gets its own device by id; CUDA inside counts from 0; XGRAPH_GPUS keeps the host id.
    func testGPUIdsPassThroughToTheContainer() throws {
        let p = try PodmanSupport.get()
        try Self.withFakeGPUs {
            let (h, env) = try harness(p)
            try h.write("exp.yaml", Self.gpuSpec(p))
            let r = try h.run(["build", "exp.yaml", "--gpus", "2", "-j", "3"], env: env)
            XCTAssertEqual(r.status, 0, r.all)
            try Self.checkGPUs(h, env: env)
        }
    }

    /// Installs two fake GPUs for podman until `body` returns (see the test above).
    static func withFakeGPUs(_ body: () throws -> Void) throws {
        let cdi = "/etc/cdi/xgraph-test-\(getpid()).json"
        do {
            try FileManager.default.createDirectory(atPath: "/etc/cdi", withIntermediateDirectories: true)
            try """
            {"cdiVersion": "0.5.0", "kind": "nvidia.com/gpu", "devices": [
              {"name": "0", "containerEdits": {"env": ["XGRAPH_FAKE_GPU=0"], "deviceNodes": [{"path": "/dev/null"}]}},
              {"name": "1", "containerEdits": {"env": ["XGRAPH_FAKE_GPU=1"], "deviceNodes": [{"path": "/dev/null"}]}}]}
            """.write(toFile: cdi, atomically: true, encoding: .utf8)
        } catch {
            throw XCTSkip("a fake GPU for podman needs a CDI spec in /etc/cdi, which this user cannot write: \(error)")
        }
        defer { try? FileManager.default.removeItem(atPath: cdi) }
        try body()
    }

    static func gpuSpec(_ p: PodmanSupport) -> String {
        """
            steps:
              gpu:
                foreach: { i: [0, 1] }
                resources: { gpus: 1 }
                container: { image: "\(p.imageA)", options: [--network=none] }
                command: |
                  sleep 1
                  echo "$CUDA_VISIBLE_DEVICES $XGRAPH_GPUS $XGRAPH_FAKE_GPU" > {{ out }}/gpus
              cpu:
                container: { image: "\(p.imageA)", options: [--network=none] }
                command: echo "[$CUDA_VISIBLE_DEVICES] ${XGRAPH_FAKE_GPU:-none}" > {{ out }}/gpus

            """
    }

    /// Each GPU job saw one device by its host id, as CUDA device 0; the CPU job saw none.
    static func checkGPUs(_ h: CLIHarness, env: [String: String], store: [String] = []) throws {
        var seen: [String] = []
        for node in ["gpu/i=0", "gpu/i=1", "cpu"] {
            let out = try h.run(["path", "exp.yaml", node] + store, env: env).out.trimmingCharacters(in: .whitespacesAndNewlines)
            seen.append(try String(contentsOfFile: out + "/gpus", encoding: .utf8).trimmingCharacters(in: .newlines))
        }
        // The two GPU jobs ran side by side on different devices, each its own host id.
        XCTAssertEqual(Set(seen.prefix(2)), ["0 0 0", "0 1 1"], seen.joined(separator: " | "))
        XCTAssertEqual(seen[2], "[] none")
    }

    func testAMissingRuntimeIsAClearErrorNamingTheStep() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              s:
                container:
                  image: "sha256:\(String(repeating: "1", count: 64))"
                  runtime: podman
                command: echo hi > {{ out }}/o

            """)
        // No runtime on this PATH, whatever the machine has.
        let empty = h.dir.path + "/empty-bin"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let r = try h.run(["build", "exp.yaml"], env: ["PATH": empty])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.all.contains("s runs in a container with podman (\(h.dir.path)/exp.yaml:4:7), but podman is not on PATH here"), r.all)
    }

    func testASifImageIsKeyedByItsContent() throws {
        let h = try CLIHarness()
        try h.write("env.sif", "one")
        try h.write("exp.yaml", """
            steps:
              s:
                container: { image: env.sif }
                command: echo hi > {{ out }}/o
              t:
                command: echo hi > {{ out }}/o

            """)
        let explain = try h.run(["explain", "exp.yaml", "s"])
        XCTAssertTrue(explain.out.contains("container"), explain.all)
        XCTAssertTrue(explain.out.contains("sif sha256:7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e"), explain.all)
        try h.write("env.sif", "two")
        let explained = try h.run(["explain", "exp.yaml", "s"])
        XCTAssertTrue(explained.out.contains("sif sha256:3fc4ccfe745870e2c0d99f71f30ff0656c8dedd41cc1d7"), explained.all)
        XCTAssertFalse(try h.run(["explain", "exp.yaml", "t"]).out.contains("container"))
    }

    func testATagIsRefusedWithItsLocation() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              s:
                container:
                  image: docker://busybox:1.36
                command: echo hi > {{ out }}/o

            """)
        let r = try h.run(["plan", "exp.yaml"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("exp.yaml:4:14"), r.err)
        XCTAssertTrue(r.err.contains("names a tag, which can move"), r.err)
        XCTAssertTrue(r.err.contains("docker://NAME@sha256:DIGEST"), r.err)
    }

    func testAShortImageIdIsRefused() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              s:
                container: { image: 536b142ad934 }
                command: echo hi > {{ out }}/o

            """)
        let r = try h.run(["plan", "exp.yaml"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("exp.yaml:3:25"), r.err)
        XCTAssertTrue(r.err.contains("is a short image id"), r.err)
    }

    func testABuiltinStepCannotRunInAContainer() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              s:
                run: builtin:subset
                container: { image: "docker://busybox@sha256:\(String(repeating: "2", count: 64))" }

            """)
        let r = try h.run(["plan", "exp.yaml"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("exp.yaml:4:"), r.err)
        XCTAssertTrue(r.err.contains("builtin steps run xgraph-train on this machine"), r.err)
    }
}
