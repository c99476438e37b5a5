import Foundation
import XCTest

/// A store shared by hosts (a cluster's file system): nothing a command does on one host may
/// remove or damage what a job still running on another host is using.
final class MultiHostStoreTests: XCTestCase {
    /// The long job runs on "another host" (its own UTS namespace, host name `other-host`); its
    /// output folder in tmp/ is made to look days old, and then `plan`, `build` of another
    /// experiment and `verify --repair` run on this host over the same store. The job must still
    /// finish and be recorded: temporaries are tied to their owner's live lease, not to a host
    /// name or an age.
    func testALiveJobsTemporariesOnAnotherHostSurviveCommandsHere() throws {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else {
            throw XCTSkip("needs root for a UTS namespace (unshare --uts)")
        }
        let h = try CLIHarness()
        try h.write("long.yaml", """
            steps:
              long:
                command: |
                  echo started > {{ out }}/started; while [ ! -f release ]; do sleep 0.1; done; echo done > {{ out }}/result.txt

            """)
        try h.write("other.yaml", """
            steps:
              quick:
                command: echo quick > {{ out }}/q.txt

            """)
        let store = h.dir.appendingPathComponent("shared").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        let user = TestUser.current.map { [TestUser.setpriv] + $0.setprivArguments } ?? []
        let command = (user + [h.binary, "build", "long.yaml", "--store", store]).map(shellWord).joined(separator: " ")
        p.arguments = ["--uts", "--", "/bin/sh", "-c", "hostname other-host && exec " + command]
        p.currentDirectoryURL = h.dir
        let log = h.dir.appendingPathComponent("long.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let out = try FileHandle(forWritingTo: log)
        p.standardOutput = out
        p.standardError = out
        try p.run()
        defer { if p.isRunning { p.terminate() } }

        let tmp = store + "/tmp"
        var live: [String] = []
        let deadline = Date().addingTimeInterval(30)
        while live.isEmpty && Date() < deadline {
            live = ((try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []).filter { name in
                FileManager.default.fileExists(atPath: tmp + "/" + name + "/started")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let started = (try? h.read("long.log")) ?? ""
        XCTAssertFalse(live.isEmpty, "the job never started: \(started)")
        // Days old by every clock a sweeper might read.
        let old = Date().addingTimeInterval(-3 * 86_400)
        for name in (try FileManager.default.contentsOfDirectory(atPath: tmp)) {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: tmp + "/" + name)
        }

        XCTAssertEqual(try h.run(["plan", "other.yaml", "--store", store]).status, 0)
        XCTAssertEqual(try h.run(["build", "other.yaml", "--store", store]).status, 0)
        let verify = try h.run(["verify", "--repair", "--store", store])
        XCTAssertEqual(verify.status, 0, verify.all)
        for name in live {
            XCTAssertTrue(FileManager.default.fileExists(atPath: tmp + "/" + name + "/started"),
                          "a command on this host removed \(name), the output folder of a job running on another host")
        }

        try h.write("release", "")
        p.waitUntilExit()
        let finished = (try? h.read("long.log")) ?? ""
        XCTAssertEqual(p.terminationStatus, 0, finished)
        let record = try XCTUnwrap(try h.records("shared").first { $0["node"] as? String == "long" })
        XCTAssertEqual((record["provenance"] as? [String: Any])?["host"] as? String, "other-host")
        XCTAssertEqual(try h.run(["verify", "--store", store]).status, 0)
    }

    private func shellWord(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
