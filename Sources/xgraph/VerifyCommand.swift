import ArgumentParser
import Foundation
import XGraphBuild

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-hash the store and check that every record, tree and artifact is whole.")

    @OptionGroup var store: StoreOptions

    func run() async throws {
        do {
            let s = try Workspace.openStore(store.store)
            let report = try s.verify()
            print("verified \(report.blobs) blobs, \(report.trees) trees, \(report.artifacts) artifacts, \(report.records) records: "
                  + (report.isClean ? "no problems" : "\(report.problems.count) problems"))
            for p in report.problems { print("  \(p)") }
            if !report.temporaryLeftovers.isEmpty {
                print("\(report.temporaryLeftovers.count) temporary leftovers of dead processes (removed at the next build)")
            }
            if !report.problems.isEmpty { throw ExitCode(1) }
        } catch let e as ExitCode {
            throw e
        } catch {
            XGraph.fail(error)
        }
    }
}
