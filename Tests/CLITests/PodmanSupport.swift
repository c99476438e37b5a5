import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// A real podman for the container tests, as the user the CLI tests run `xgraph` as (`nobody`
/// when the tests run as root: rootless podman, with the single uid mapping it falls back to
/// without /etc/subuid entries; root with XGRAPH_TEST_AS_ROOT=1), with two images built
/// offline from busybox-static (`podman import`): `a` and `b` differ in /etc/variant only.
///
/// Its storage and configuration live in a folder of their own (HOME and XDG folders for
/// rootless podman, a storage.conf for root), so the tests neither read nor leave images in
/// the machine's stores. Where podman's defaults cannot start a container here, the
/// configuration says what this machine needs, and the tests print it:
/// - crun refuses a host whose cgroup v2 hierarchy has controllers beside v1 ("cgroups in
///   hybrid mode not supported"); runc (Debian's `runc`) starts there.
/// - root podman raises RLIMIT_NOFILE and RLIMIT_NPROC to a million, which a root without
///   CAP_SYS_RESOURCE (a sandboxed VM) may not: the limits this process has are used instead.
/// Only where no configuration starts a container is a test skipped, with podman's reason.
struct PodmanSupport: Sendable {
    /// Variables every podman call (and every `xgraph` whose steps run podman) needs.
    let env: [String: String]
    let imageA: String
    let imageB: String
    /// What this machine needed beyond podman's defaults, in words (empty: nothing).
    let adjustments: [String]
    /// The folder of podman's storage, configuration and runtime files.
    let state: String
    /// The harness whose folder holds podman's state; runs `podman` as the right user.
    let home: CLIHarness

    /// Made once per test process (an import and a probe cost a few seconds).
    static let shared: Result<PodmanSupport, any Error> = Result { try make() }

    static func get() throws -> PodmanSupport { try shared.get() }

    /// Stops what the tests started: rootless podman's pause process (it holds the user
    /// namespace and would outlive the tests) and the state folder.
    static func shutDown() {
        guard case .success(let support) = shared else { return }
        if let run = support.env["XDG_RUNTIME_DIR"],
           let text = try? String(contentsOfFile: run + "/libpod/tmp/pause.pid", encoding: .utf8),
           let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 1 {
            kill(pid, SIGKILL)
        }
        try? FileManager.default.removeItem(atPath: support.state)
    }

    static func which(_ name: String) -> String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    private static func make() throws -> PodmanSupport {
        guard let podman = which("podman") else {
            throw XCTSkip("podman is not installed, so no container runtime can start (make test-deps installs podman)")
        }
        guard FileManager.default.isExecutableFile(atPath: "/bin/busybox") else {
            throw XCTSkip("busybox-static is not installed, so there is no image to start (make test-deps installs it)")
        }
        let h = try CLIHarness()
        // A short path: podman's runtime folder holds conmon's sockets, and with the harness's
        // long temporary folder their paths passed the 108 bytes of a socket address (every
        // container then took 20 s, waiting for an attach that never came).
        let state = "/tmp/xgp-\(getpid())"
        try? FileManager.default.removeItem(atPath: state)
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try h.user?.own(state)
        func write(_ relative: String, _ text: String) throws {
            let path = state + "/" + relative
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            try h.user?.own(state, below: relative)
        }
        var env: [String: String] = ["CONTAINERS_CONF": state + "/containers.conf"]
        if h.user != nil {
            for sub in ["run", "data", "config"] { try write("\(sub)/.keep", "") }
            // Rootless podman refuses a runtime folder others can enter.
            chmod(state + "/run", 0o700)
            env["XDG_RUNTIME_DIR"] = state + "/run"
            env["XDG_DATA_HOME"] = state + "/data"
            env["XDG_CONFIG_HOME"] = state + "/config"
        } else {
            try write("storage.conf", """
                [storage]
                driver = "vfs"
                graphroot = "\(state)/graph"
                runroot = "\(state)/runroot"

                """)
            env["CONTAINERS_STORAGE_CONF"] = state + "/storage.conf"
        }
        try write("containers.conf", "")

        // Two root file systems: busybox and its applets, and a file that tells them apart.
        var ids: [String] = []
        for variant in ["a", "b"] {
            let root = state + "/rootfs-\(variant)"
            try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
            try (variant + "\n").write(toFile: root + "/etc/variant", atomically: true, encoding: .utf8)
            let bin = root + "/bin"
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: bin + "/busybox")
            for applet in ["sh", "cat", "echo", "ls", "env", "mkdir", "touch", "sleep", "grep", "id", "printf", "true"] {
                try FileManager.default.createSymbolicLink(atPath: bin + "/" + applet, withDestinationPath: "busybox")
            }
            let tar = state + "/rootfs-\(variant).tar"
            let t = Process()
            t.executableURL = URL(fileURLWithPath: "/bin/tar")
            // Owned by root in the image: rootless podman maps only container root to the user.
            t.arguments = ["-C", root, "--owner=0", "--group=0", "--numeric-owner", "-cf", tar, "."]
            try t.run(); t.waitUntilExit()
            guard t.terminationStatus == 0 else { throw CLIHarness.Missing(what: "tar of \(root) failed") }
            chmod(tar, 0o644)
            let r = try h.run(executable: podman, ["import", "--quiet", tar, "localhost/xgraph-test:\(variant)"], env: env)
            guard r.status == 0, let id = r.out.split(separator: "\n").last.map(String.init), id.hasPrefix("sha256:") else {
                throw XCTSkip("podman cannot import an image here (as \(h.user == nil ? "root" : "nobody")): \(r.all)")
            }
            ids.append(id)
        }

        // Start one container the way xgraph does; adjust only what the error asks for.
        var adjustments: [String] = []
        var engine: [String] = [], containers: [String] = []
        func probe() throws -> CLIHarness.Result {
            try write("containers.conf", (containers.isEmpty ? "" : "[containers]\n" + containers.joined(separator: "\n") + "\n")
                + (engine.isEmpty ? "" : "[engine]\n" + engine.joined(separator: "\n") + "\n"))
            return try h.run(executable: podman, ["run", "--rm", "--init", "--network=none", "--entrypoint", "/bin/sh", ids[0], "-c", "true"], env: env)
        }
        var r = try probe()
        for _ in 0..<2 where r.status != 0 {
            if r.err.contains("cgroups in hybrid mode"), engine.isEmpty, which("runc") != nil {
                engine.append("runtime = \"runc\"")
                adjustments.append("runtime = runc (crun: \"cgroups in hybrid mode not supported\")")
            } else if r.err.contains("setrlimit") || r.err.contains("rlimit"), containers.isEmpty {
                var files = rlimit()
                getrlimit(Int32(RLIMIT_NOFILE.rawValue), &files)
                containers.append("default_ulimits = [\"nofile=\(files.rlim_cur):\(files.rlim_max)\", \"nproc=4096:4096\"]")
                adjustments.append("default_ulimits nofile=\(files.rlim_cur):\(files.rlim_max), nproc=4096 (podman's own "
                    + "defaults could not be set: \(r.err.split(separator: "\n").first ?? ""))")
            } else {
                break
            }
            r = try probe()
        }
        guard r.status == 0 else {
            throw XCTSkip("podman cannot start a container here (as \(h.user == nil ? "root" : "nobody")): \(r.all)")
        }
        // At exit, not after one test class: the Slurm tests use the same podman.
        atexit { PodmanSupport.shutDown() }
        if !adjustments.isEmpty {
            FileHandle.standardError.write(Data(("podman needed, on this machine: " + adjustments.joined(separator: "; ") + "\n").utf8))
        }
        return PodmanSupport(env: env, imageA: ids[0], imageB: ids[1], adjustments: adjustments, state: state, home: h)
    }
}
