import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The ordinary (non-root) account the CLI tests run `xgraph` as when the tests themselves run
/// as root, so that permission checks root would skip are exercised.
///
/// It is `nobody`/`nogroup` through `setpriv` (util-linux, in every Debian). The binaries are
/// copied once per test process into a folder that user can read, since the build folder may sit
/// under a home folder only root can enter. `XGRAPH_TEST_AS_ROOT=1` keeps root.
struct TestUser: Sendable {
    let uid: uid_t
    let gid: gid_t
    /// The copy of `xgraph` (with `xgraph-train` beside it) this user runs.
    let binary: String

    static let setpriv = "/usr/bin/setpriv"

    static let current: TestUser? = {
        guard geteuid() == 0, ProcessInfo.processInfo.environment["XGRAPH_TEST_AS_ROOT"] != "1",
              FileManager.default.isExecutableFile(atPath: setpriv),
              let pw = getpwnam("nobody") else { return nil }
        let uid = pw.pointee.pw_uid, gid = pw.pointee.pw_gid
        let bin = FileManager.default.temporaryDirectory.appendingPathComponent("xgraph-cli-bin-\(getpid())").path
        let built = CLIHarness.builtBinary
        let builtDir = (built as NSString).deletingLastPathComponent
        do {
            try? FileManager.default.removeItem(atPath: bin)
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o755])
            for name in ["xgraph", "xgraph-train"] where FileManager.default.fileExists(atPath: builtDir + "/" + name) {
                try FileManager.default.copyItem(atPath: builtDir + "/" + name, toPath: bin + "/" + name)
                chmod(bin + "/" + name, 0o755)
            }
        } catch {
            return nil
        }
        return TestUser(uid: uid, gid: gid, binary: bin + "/xgraph")
    }()

    var setprivArguments: [String] {
        ["--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--"]
    }

    /// Gives `root` to this user.
    func own(_ root: String) throws {
        guard chown(root, uid, gid) == 0 else {
            throw NSError(domain: "TestUser", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "chown \(root)"])
        }
    }

    /// Gives `relative` (a path below `root`) and every folder between them to this user.
    func own(_ root: String, below relative: String) throws {
        var path = root
        for part in relative.split(separator: "/") {
            path += "/" + part
            try own(path)
        }
    }
}
