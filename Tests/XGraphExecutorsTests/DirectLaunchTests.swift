import Foundation
import XCTest
import XGraphCore
@testable import XGraphExecutors
#if canImport(Glibc)
import Glibc
#endif

/// Jobs whose command is one plain program call start that program without a shell between
/// (or with `exec`), and behave exactly as through `sh -c`.
final class DirectLaunchTests: ExecutorTestCase {
    private func run(_ command: String, env: [String: String] = [:]) async -> JobResult {
        let job = Job(node: "test/node", command: command, environment: env, workingDirectory: dir,
                      logPath: dir + "/logs/node.log", resources: Resources(), gpuIDs: [])
        return await LocalExecutor(gracePeriod: 1).run(job)
    }

    func testOnlyPlainProgramCallsAreTakenApart() {
        XCTAssertEqual(ExecForm.literalWords("sh step.sh /a/b 'two words' x=1 --lr=0.1"),
                       ["sh", "step.sh", "/a/b", "two words", "x=1", "--lr=0.1"])
        XCTAssertEqual(ExecForm.literalWords("python  a'b c'd   "), ["python", "ab cd"])
        // sh must interpret these: expansions, builtins, assignments, operators, quotes with escapes.
        for command in ["prog $XGRAPH_OUT", "prog ~/x", "echo hi", "cd /tmp", "A=1 prog", "prog | wc", "prog > f",
                        "prog; other", "prog &", "prog \"x\"", "prog \\x", "prog *.txt", "'prog' x", "prog 'open",
                        "if true", "prog # comment", "(prog)", "", "  "] {
            XCTAssertNil(ExecForm.literalWords(command), command)
        }
        // An expansion keeps its meaning under exec, so the shell gets `exec` in front.
        XCTAssertEqual(ExecForm.of("prog --out $XGRAPH_OUT ${HOME}"), "exec prog --out $XGRAPH_OUT ${HOME}")
        XCTAssertEqual(ExecForm.of("prog $1x"), "prog $1x")
        XCTAssertEqual(ExecForm.of("kill -USR1 $$"), "kill -USR1 $$")
        XCTAssertEqual(ExecForm.of("echo $HOME"), "echo $HOME")
        XCTAssertEqual(ExecForm.of("prog && other"), "prog && other")
    }

    func testProgramIsFoundAsShWouldFindIt() throws {
        let bin = dir + "/bin", other = dir + "/other"
        for d in [bin, other] { try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true) }
        // Not executable in the first folder: sh goes on to the next one.
        FileManager.default.createFile(atPath: bin + "/tool", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o644])
        FileManager.default.createFile(atPath: other + "/tool", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        try FileManager.default.createDirectory(atPath: bin + "/adir", withIntermediateDirectories: true)
        XCTAssertEqual(ExecForm.program("tool", path: "\(bin):\(other)", workingDirectory: dir), other + "/tool")
        XCTAssertNil(ExecForm.program("adir", path: bin, workingDirectory: dir))
        XCTAssertNil(ExecForm.program("tool", path: nil, workingDirectory: dir))
        // Relative and empty PATH entries are folders under the working directory.
        XCTAssertEqual(ExecForm.program("tool", path: "bin:other", workingDirectory: dir), dir + "/other/tool")
        XCTAssertEqual(ExecForm.program("tool", path: "", workingDirectory: other), other + "/./tool")
        XCTAssertEqual(ExecForm.program("other/tool", path: "/nowhere", workingDirectory: dir), dir + "/other/tool")
    }

    func testDirectProgramLeadsItsGroupAndGetsArgumentsAndEnvironment() async throws {
        let script = #"read pid comm state ppid pgrp rest < /proc/$$/stat; echo "$0|$1|$pgrp|$$|$XGRAPH_TEST_VAR" > out.txt"#
        let r = await run("sh -c '\(script)' zero 'one two'", env: ["XGRAPH_TEST_VAR": "v a l"])
        XCTAssertEqual(r.status, .exited(0))
        let fields = try read("out.txt").trimmingCharacters(in: .newlines).split(separator: "|", omittingEmptySubsequences: false)
        XCTAssertEqual(fields.count, 5)
        XCTAssertEqual(fields[0], "zero"); XCTAssertEqual(fields[1], "one two"); XCTAssertEqual(fields[4], "v a l")
        // No shell between: the program itself is the job's process-group leader.
        XCTAssertEqual(fields[2], fields[3])
    }

    func testExecFormLeadsItsGroupToo() async throws {
        let r = await run(#"sh -c 'read pid comm state ppid pgrp rest < /proc/$$/stat; echo "$pgrp $$ $1" > out.txt' x $XGRAPH_TEST_VAR"#,
                          env: ["XGRAPH_TEST_VAR": "expanded"])
        XCTAssertEqual(r.status, .exited(0))
        let fields = try read("out.txt").split(separator: " ").map(String.init)
        XCTAssertEqual(fields.count, 3)
        XCTAssertEqual(fields[0], fields[1].trimmingCharacters(in: .whitespacesAndNewlines))
        XCTAssertEqual(fields[2].trimmingCharacters(in: .newlines), "expanded")
    }

    func testStatusesMatchTheShell() async throws {
        let missing = await run("no-such-program-xgraph x")
        XCTAssertEqual(missing.status, .exited(127))
        XCTAssertTrue(try read("logs/node.log").contains("not found"))
        let failing = await run("sh -c 'exit 7'")
        XCTAssertEqual(failing.status, .exited(7))
        let killed = await run(#"sh -c 'kill -USR1 $$'"#)
        XCTAssertEqual(killed.status, .signaled(SIGUSR1))
    }

    func testScriptWithoutInterpreterLineRunsAsShellScript() async throws {
        let path = dir + "/plain-script"
        FileManager.default.createFile(atPath: path, contents: Data("echo ran \"$1\" > ran.txt\n".utf8), attributes: [.posixPermissions: 0o755])
        let r = await run("./plain-script arg")
        XCTAssertEqual(r.status, .exited(0))
        XCTAssertEqual(try read("ran.txt"), "ran arg\n")
    }

    /// Without the helper, root's jobs get the namespace from `unshare`, a shell and mount(8);
    /// a job whose working directory is inside a protected folder must not write through the
    /// writable mount its working directory still points into.
    func testShellNamespaceCoversAWorkingDirectoryInsideAProtectedFolder() throws {
        guard ReadOnlyMounts.available else { throw XCTSkip("needs root and mount namespaces") }
        let (program, arguments) = ReadOnlyMounts.wrap("touch inside; echo ran > \(dir!)/../xgraph-ran-\(getpid())", readOnly: [dir])
        let p = Process()
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let marker = (dir as NSString).deletingLastPathComponent + "/xgraph-ran-\(getpid())"
        defer { unlink(marker) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: marker), "the command ran")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/inside"))
    }
}
