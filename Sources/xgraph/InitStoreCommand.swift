import ArgumentParser
import Foundation
import XGraphBuild
import XGraphStore

/// `xgraph init-store PATH --group GROUP`: a store a Unix group shares (docs/store.md).
struct InitStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init-store",
        abstract: "Make an empty store that the members of a Unix group share.",
        discussion: """
            The folder gets the group and mode 2770 (setgid): every member can build into it, \
            reuse the others' results, query, verify and gc, whatever their umask; nobody can \
            change another member's outputs; users outside the group are refused with a clear \
            error. Point builds at it with --store PATH or XGRAPH_STORE=PATH.
            """)

    @Argument(help: "The store folder to create (or an empty folder).")
    var path: String
    @Option(name: .long, help: "The Unix group that shares the store (you must be a member).")
    var group: String

    func run() async throws {
        do {
            let abs = Workspace.absolute(path, in: FileManager.default.currentDirectoryPath)
            let store = try Store.createGroupStore(at: abs, group: group)
            print("made \(store.root), shared by group \(group): members build with --store \(store.root) (or XGRAPH_STORE=\(store.root))")
        } catch {
            XGraph.fail(error)
        }
    }
}
