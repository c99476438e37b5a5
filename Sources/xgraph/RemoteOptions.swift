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

    /// The remote `push` or `pull` transfers with: an error when none is named or its mode
    /// does not allow the direction.
    func openForTransfer(_ ws: Workspace, push: Bool) throws -> RemoteCache {
        guard let (cache, mode) = try open(ws, strict: true) else {
            throw XGraphError.usage("no remote cache: name one with --remote URL, XGRAPH_REMOTE or `remote:` in the experiment file")
        }
        if push && !mode.writes {
            throw XGraphError.usage("remote mode \(mode.rawValue) does not push; use --remote-mode write or read-write")
        }
        if !push && !mode.reads {
            throw XGraphError.usage("remote mode \(mode.rawValue) does not fetch; use --remote-mode read or read-write")
        }
        return cache
    }

    @Sendable static func warn(_ text: String) {
        Console.err("xgraph: warning: \(text)\n")
    }
}

/// `--jobs` of `push` and `pull`.
struct TransferOptions: ParsableArguments {
    @Option(name: .long, help: "Transfer this many nodes at once.")
    var jobs = 4

    func validate() throws {
        if !(1...256).contains(jobs) { throw ValidationError("--jobs: 1 to 256, found \(jobs)") }
    }
}
