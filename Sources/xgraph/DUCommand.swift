import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphStore

/// `xgraph du`: what the store holds, by step or node, shared bytes counted once.
struct DUCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "du",
        abstract: "Show how much of the store each step or node takes, and what gc would free.")

    enum Grouping: String, ExpressibleByArgument, CaseIterable { case step, node }
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @Argument(help: "An experiment file: only its nodes are listed, and the figure for `gc FILE` is shown.")
    var file: String?
    @Option(name: .long, help: "Group by step or node.")
    var by: Grouping = .step
    @Option(name: .long, help: "text or json.")
    var format: Format = .text
    @Option(name: .long, help: "How many of the biggest outputs to list.")
    var top = 5
    @Option(name: .long, help: "The store folder (default: $XGRAPH_STORE, else cache/ at the project root).")
    var store: String?

    struct Group: Encodable {
        var name: String
        var records = 0
        /// Bytes only these records' outputs hold.
        var unique: Int64 = 0
        /// Bytes their outputs share with other records' outputs (counted in each).
        var shared: Int64 = 0
    }
    struct Output: Encodable {
        var total: Int64
        var parts: [String: Int64]
        var groups: [Group]
        var biggest: [Biggest]
        var gcWouldFree: GCFigure?
    }
    struct Biggest: Encodable { var node: String; var key: String; var bytes: Int64 }
    struct GCFigure: Encodable { var records: Int; var bytes: Int64 }

    func run() async throws {
        do {
            var roots = GCRoots()
            var names: Set<String>?
            if let file {
                try roots.addCurrent(file: file, store: store)
                names = roots.rules.nodeNames
            }
            let s = try Workspace.openStore(store)
            // Under the gc lock when a gc figure is wanted, so both come from one reading.
            let lock = file == nil ? nil : try s.gcExclusive(wait: false)
            defer { lock?.release() }
            let census = s.census()
            var groups: [String: Group] = [:]
            var biggest: [Biggest] = []
            for r in census.records where names?.contains(r.node) ?? true {
                let name = by == .step ? r.step : r.node
                let total = census.totalBytes(ofTree: r.output)
                let unique = (census.treeUsers[r.output] ?? 0) <= 1 ? census.uniqueBytes(ofTree: r.output) : 0
                groups[name, default: Group(name: name)].records += 1
                groups[name, default: Group(name: name)].unique += unique
                groups[name, default: Group(name: name)].shared += total - unique
                biggest.append(Biggest(node: r.node, key: r.key.hex, bytes: total))
            }
            var figure: GCFigure?
            if let lock {
                _ = await roots.addLiveJobs(s)
                // A dry run, as `gc FILE --dry-run` would do it.
                let r = try s.collect(roots.rules, dryRun: true, lock: lock, census: census)
                figure = GCFigure(records: r.records, bytes: r.totalBytes)
            }
            let out = Output(total: census.totalBytes, parts: census.folderBytes,
                             groups: groups.values.sorted { ($0.unique + $0.shared, $1.name) > ($1.unique + $1.shared, $0.name) },
                             biggest: Array(biggest.sorted { ($0.bytes, $1.node) > ($1.bytes, $0.node) }.prefix(max(0, top))),
                             gcWouldFree: figure)
            if format == .json {
                let e = JSONEncoder()
                e.outputFormatting = [.sortedKeys, .prettyPrinted]
                print(String(decoding: try e.encode(out), as: UTF8.self))
            } else {
                print(text(out, gcFile: file))
            }
        } catch let e as ExitCode {
            throw e
        } catch {
            XGraph.fail(error)
        }
    }

    private func text(_ o: Output, gcFile: String?) -> String {
        var lines: [String] = []
        let width = max(4, o.groups.map(\.name.count).max() ?? 4)
        func row(_ cells: [String]) -> String {
            cells[0].padding(toLength: width, withPad: " ", startingAt: 0) + "  " + cells.dropFirst().map { $0.leftPadded(10) }.joined(separator: "  ")
        }
        lines.append(row([by.rawValue, "records", "unique", "shared"]))
        for g in o.groups { lines.append(row([g.name, String(g.records), ByteSize.text(g.unique), ByteSize.text(g.shared)])) }
        let parts = o.parts.filter { $0.value > 0 }.sorted { $0.value > $1.value }.map { "\($0.key) \(ByteSize.text($0.value))" }
        lines.append("store: \(ByteSize.text(o.total)) in all (\(parts.joined(separator: ", ")))")
        if !o.biggest.isEmpty {
            lines.append("biggest outputs:")
            for b in o.biggest { lines.append("  " + ByteSize.text(b.bytes).leftPadded(10) + "  \(b.node) (key \(b.key.prefix(12)))") }
        }
        if let f = o.gcWouldFree, let gcFile {
            lines.append("`xgraph gc \(gcFile)` would free \(ByteSize.text(f.bytes)) (\(f.records) record\(f.records == 1 ? "" : "s"))")
        } else if gcFile != nil {
            lines.append("(a gc or build holds the store's gc lock: what gc would free was not computed)")
        }
        return lines.joined(separator: "\n")
    }
}
