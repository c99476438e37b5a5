import Foundation

extension CLIHarness {
    /// Runs `xgraph ARGS` as a user who cannot write the store: as root (who may write anywhere)
    /// by switching to `nobody`; otherwise (the harness already runs xgraph as an ordinary user)
    /// the caller's a-w permissions stop the owner.
    func runAsStoreReader(_ args: [String]) throws -> Result {
        guard getuid() == 0, user == nil else { return try run(args) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", binary] + args
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "XGRAPH_STORE")
        env["HOME"] = "/tmp"
        p.environment = env
        return try CLIHarness.capture(p)
    }

    /// Runs a plain tool (chmod, say) as the test process's own user and returns its status.
    static func status(of tool: String, _ args: [String]) throws -> Int32 {
        let p = try Process.run(URL(fileURLWithPath: tool), arguments: args)
        p.waitUntilExit()
        return p.terminationStatus
    }
}
