import ArgumentParser
import Foundation
import XGraphBuild

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-hash the store and check that every record, tree and artifact is whole.")

    @OptionGroup var store: StoreOptions

    @Flag(name: .long, help: "Restore lost artifacts from intact blobs; move unreadable action records to quarantine/ in the store (never deleted) and rewrite keys.log and nodes.log without them, so their nodes build again.")
    var repair = false

    func run() async throws {
        do {
            let s = try Workspace.openStore(store.store)
            // A repair rewrites keys.log and nodes.log and removes content, as gc does: never
            // both at once, and never under a build's decision.
            let gcLock = repair ? try s.gcExclusive(wait: true) : nil
            defer { gcLock?.release() }
            let report = try s.verify(repair: repair)
            print("verified \(report.blobs) blobs, \(report.trees) trees, \(report.artifacts) artifacts, \(report.records) records: "
                  + (report.isClean ? "no problems" : "\(report.problems.count) problems"))
            for p in report.problems { print("  \(p)") }
            for r in report.repairs { print("repaired: \(r)") }
            if repair && !report.remaining.isEmpty {
                print("\(report.remaining.count) problems are left for a person to look at")
            }
            if !report.temporaryLeftovers.isEmpty {
                print("\(report.temporaryLeftovers.count) leftovers in \(s.root) (tmp/: of dead processes, removed at the next build; "
                      + "artifacts/.trash-*: other members' removed artifacts, freed by their owner's gc):")
                for t in report.temporaryLeftovers { print("  \(t)") }
            }
            if !report.remaining.isEmpty { throw ExitCode(1) }
        } catch let e as ExitCode {
            throw e
        } catch {
            XGraph.fail(error)
        }
    }
}
