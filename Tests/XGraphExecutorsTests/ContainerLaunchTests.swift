import XCTest
import XGraphCore
import XGraphExecutors

/// The runtime's argument vector for a job (no runtime is started here; ContainerTests runs a
/// real podman). `/bin/sh` stands in for the runtime program, found on a PATH of /bin.
final class ContainerLaunchTests: XCTestCase {
    let location = SourceLocation(file: "/p/exp.yaml", line: 4, column: 7)

    func launch(_ runtime: ContainerRuntime, image: ContainerImage, mounts: [ContainerLaunch.Mount]) throws -> ContainerLaunch {
        // Any program found on the search path stands for the runtime: link its name to sh.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xg-launch-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/" + runtime.rawValue, withDestinationPath: "/bin/sh")
        let spec = ContainerSpec(image: image, runtime: runtime, options: ["--network=none"], written: "w", location: location)
        return try ContainerLaunch(spec: spec, mounts: mounts, searchPath: dir, node: "n")
    }

    func job(gpus: [Int]) -> Job {
        Job(node: "n", command: "python train.py --out '/s/tmp/o 1'", environment: ["XGRAPH_OUT": "/s/tmp/o 1", "MODE": "x y"],
            workingDirectory: "/p", logPath: "/s/log", resources: Resources(gpus: gpus.count), gpuIDs: gpus)
    }

    func testMountsAreMergedAndParentsComeFirst() throws {
        let l = try launch(.podman, image: .imageID("sha256:" + String(repeating: "a", count: 64)), mounts: [
            .init(path: "/p", writable: false),
            .init(path: "/p/cache/tmp/o", writable: true),
            .init(path: "/p/cache/artifacts/x", writable: false),
            .init(path: "/data/set/", writable: false),
            .init(path: "/data/set", writable: false),
        ])
        XCTAssertEqual(l.mounts, [.init(path: "/data/set", writable: false), .init(path: "/p", writable: false),
                                  .init(path: "/p/cache/tmp/o", writable: true)])
    }

    func testPodmanGetsDevicesByHostIndexAndCountsCUDAFromZero() throws {
        var l = try launch(.podman, image: .registry(reference: "r.io/x@sha256:" + String(repeating: "b", count: 64),
                                                    digest: "sha256:" + String(repeating: "b", count: 64)),
                           mounts: [.init(path: "/p", writable: false)])
        let env = LocalExecutor.environment(for: job(gpus: [2, 5]))
        var a = l.arguments(for: job(gpus: [2, 5]), environment: env)
        XCTAssertEqual(Array(a.suffix(3)), ["r.io/x@sha256:" + String(repeating: "b", count: 64), "-c", "python train.py --out '/s/tmp/o 1'"])
        XCTAssertTrue(a.contains("CUDA_VISIBLE_DEVICES=0,1"), "\(a)")
        XCTAssertEqual(a.indices.filter { a[$0] == "--device" }.map { a[$0 + 1] }, ["nvidia.com/gpu=2", "nvidia.com/gpu=5"])
        // Names only: values (with spaces) come from the runtime's environment.
        XCTAssertTrue(a.contains("MODE") && a.contains("XGRAPH_GPUS") && !a.contains { $0.contains("x y") }, "\(a)")
        XCTAssertEqual(a[a.index(after: try XCTUnwrap(a.firstIndex(of: "--volume")))], "/p:/p:ro")
        // A Slurm job's host indices, where they differ.
        l.deviceIDs = [6, 7]
        a = l.arguments(for: job(gpus: [0, 1]), environment: env)
        XCTAssertEqual(a.indices.filter { a[$0] == "--device" }.map { a[$0 + 1] }, ["nvidia.com/gpu=6", "nvidia.com/gpu=7"])
    }

    func testApptainerKeepsHostIdsAndUsesNv() throws {
        let l = try launch(.apptainer, image: .sif(path: "/p/env.sif"), mounts: [.init(path: "/s/tmp/o", writable: true)])
        let a = l.arguments(for: job(gpus: [3]), environment: [:])
        XCTAssertEqual(Array(a.dropFirst()), ["exec", "--contain", "--pwd", "/p", "--bind", "/s/tmp/o:/s/tmp/o:rw", "--nv",
                                              "--network=none", "/p/env.sif", "/bin/sh", "-c", "python train.py --out '/s/tmp/o 1'"])
        XCTAssertNil(l.cleanupArguments)
    }

    func testAPathABindCannotExpressIsRefused() {
        XCTAssertThrowsError(try launch(.podman, image: .imageID("sha256:" + String(repeating: "c", count: 64)),
                                        mounts: [.init(path: "/p/a:b", writable: false)]))
    }

    func testAMissingRuntimeNamesTheStepsLocation() {
        let spec = ContainerSpec(image: .sif(path: "/p/env.sif"), runtime: .apptainer, options: [], written: "env.sif", location: location)
        XCTAssertThrowsError(try ContainerLaunch(spec: spec, mounts: [], searchPath: "/nonexistent", node: "train/i=1")) { error in
            XCTAssertTrue("\(error)".contains("train/i=1 runs in a container with apptainer (/p/exp.yaml:4:7), but apptainer is not on PATH here"), "\(error)")
        }
    }
}
