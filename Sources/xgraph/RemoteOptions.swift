import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphRemote

/// `--remote` and `--remote-mode`, shared by build, plan, push and pull (docs/remote.md).
struct RemoteOptions: ParsableArguments {
    @Option(name: .long, help: "The remote cache: s3://BUCKET/PREFIX[?endpoint=URL&region=R&path_style=1] or file:///PATH (default: $XGRAPH_REMOTE, else the file's `remote:`).")
    var remote: String?

    @Option(name: .long, help: "read-write (default), read, write or off (default: $XGRAPH_REMOTE_MODE).")
    var remoteMode: String?

    func validate() throws {
        if let m = remoteMode, RemoteMode(rawValue: m) == nil {
            throw ValidationError("--remote-mode: expected one of \(RemoteMode.allCases.map(\.rawValue).joined(separator: ", ")), found '\(m)'")
        }
    }

    func open(_ ws: Workspace, strict: Bool) throws -> (RemoteCache, RemoteMode)? {
        try RemoteSetup.open(flag: remote, modeFlag: remoteMode, workspace: ws, strict: strict, warn: Self.warn)
    }

    @Sendable static func warn(_ text: String) {
        Console.err("xgraph: warning: \(text)\n")
    }
}
