import ArgumentParser
import Foundation
import XGraphBuild
import XGraphCore
import XGraphResults

/// Filters shared by results, fit and diff.
struct QueryOptions: ParsableArguments {
    @Option(name: .long, help: "Filter on axes, e.g. 'model=r101,data!=300M'.")
    var `where`: String?

    @Option(name: .long, help: "Only runs recorded at this commit (any revision git understands, or a hash prefix), the newest per node; not the current keys.")
    var commit: String?

    @Option(name: .long, help: "Only this step's nodes.")
    var step: String?

    @Flag(name: .long, help: "Every recorded run of each node, not only that of its current key (or the newest).")
    var all = false

    @Option(name: .long, help: "Output format: table, csv or json.")
    var format: OutputFormat = .table

    func query(_ q: ResultsContext) throws -> ResultsQuery {
        try q.query(where: `where`, commit: commit, step: step, latestOnly: !all)
    }
}

extension OutputFormat: ExpressibleByArgument {}

extension ResultTable {
    /// Prints the table; its footer goes to stderr in csv and json, which must stay parseable.
    func print(_ format: OutputFormat) {
        // CSV records end in a newline already.
        Swift.print(render(format), terminator: format == .csv ? "" : "\n")
        if format != .table, let footer {
            FileHandle.standardError.write(Data((footer + "\n").utf8))
        }
    }
}

struct ResultsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "Query recorded results: tables, pivots by axes, or raw SQL over the results index.")

    @OptionGroup var store: StoreOptions
    @OptionGroup var filters: QueryOptions

    @Argument(help: "An experiment file: show each of its nodes with the run of its current key.")
    var file: String?

    @Option(name: .long, help: "Pivot: row axis, then column axes, e.g. 'data,model'.")
    var pivot: String?

    @Option(name: .long, help: "Metrics to show (comma-separated); with --pivot, exactly one.")
    var metric: String?

    @Option(name: .long, help: "With --pivot: an axis whose values are replicate runs (e.g. seed); each cell is their mean ± sd (n).")
    var replicates: String?

    @Option(name: .long, help: "Run a read-only SQL query against the index (tables: runs, axes, params, metrics; view: results; with an experiment file, view current: its nodes' current runs).")
    var sql: String?

    /// `--sql` answers exactly its statement, over every run of the store: the options that
    /// select runs play no part, and a file adds only the `current` view. Silence there pooled
    /// a user's runs of three versions of a spec into one average.
    private func warnWhatSQLIgnores(_ sql: String) {
        let ignored = [("--step", filters.step != nil), ("--where", filters.where != nil), ("--commit", filters.commit != nil),
                       ("--all", filters.all), ("--pivot", pivot != nil), ("--metric", metric != nil),
                       ("--replicates", replicates != nil)]
            .filter(\.1).map(\.0)
        if !ignored.isEmpty {
            Console.err("xgraph: warning: --sql ignores \(ignored.joined(separator: ", ")): the statement alone says which runs it reads\n")
        }
        if let file, sql.range(of: #"\bcurrent(_nodes)?\b"#, options: [.regularExpression, .caseInsensitive]) == nil {
            Console.err("xgraph: note: --sql reads every run in the store, of every spec and file; "
                + "the view `current` holds only the runs of \(file)'s current keys (docs/results-schema.md)\n")
        }
    }

    func validate() throws {
        if pivot != nil && (metric.map { $0.contains(",") } ?? true) {
            throw ValidationError("--pivot needs exactly one --metric")
        }
        if replicates != nil && pivot == nil {
            throw ValidationError("--replicates pools runs in the cells of a pivot; give --pivot too")
        }
    }

    func run() async throws {
        do {
            let ctx = try ResultsContext.open(file: file, storePath: store.store)
            let table: ResultTable
            if let sql {
                warnWhatSQLIgnores(sql)
                // The file's nodes and current keys, for the `current` view.
                let current = file == nil ? nil : try ctx.query(where: nil, commit: nil, step: nil, latestOnly: true).current
                table = try ctx.index.sql(sql, current: current)
            } else {
                let q = try filters.query(ctx)
                if let pivot, let metric {
                    let axes = pivot.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    let rows = Array(axes.prefix(1)), columns = Array(axes.dropFirst())
                    if let replicates {
                        table = try ctx.index.replicatePivot(q, rows: rows, columns: columns, metric: metric,
                                                             replicates: replicates).table(filters.format)
                    } else {
                        table = try ctx.index.pivot(q, rows: rows, columns: columns, metric: metric)
                    }
                } else {
                    table = try ctx.index.table(q, metrics: metric.map { $0.split(separator: ",").map(String.init) })
                }
            }
            table.print(filters.format)
        } catch {
            XGraph.fail(error)
        }
    }
}

struct DiffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two commits' metrics, node by node.",
        discussion: "With an experiment file (`xgraph diff FILE A B`), each node's result as of each commit: the run of "
            + "the key that the file, the files it includes and its code give at that commit (read from git), whichever "
            + "commit recorded it. Without one (`xgraph diff A B`), the runs recorded at each commit.")

    @OptionGroup var store: StoreOptions

    @Argument(help: "[FILE] A B: the experiment file (optional), the older commit and the newer one (any revision git understands, or a hash prefix).")
    var arguments: [String] = []

    @Option(name: .long, help: "Metrics to compare (comma-separated; default: all).")
    var metric: String?

    @Option(name: .long, help: "With an experiment file: only this step's nodes.")
    var step: String?

    @Option(name: .long, help: "Output format: table, csv or json.")
    var format: OutputFormat = .table

    func validate() throws {
        switch arguments.count {
        case 2: if step != nil { throw ValidationError("--step needs the experiment file: xgraph diff FILE A B --step S") }
        case 3: guard ExperimentArguments.isFile(arguments[0]) else {
            throw ValidationError("xgraph diff [FILE] A B: '\(arguments[0])' is not an experiment file")
        }
        default: throw ValidationError("xgraph diff [FILE] A B: give two commits, after the experiment file if there is one")
        }
    }

    func run() async throws {
        do {
            let metrics = metric.map { $0.split(separator: ",").map(String.init) }
            let table: ResultTable
            if arguments.count == 3 {
                let file = arguments[0]
                let ctx = try ResultsContext.open(file: file, storePath: store.store)
                let a = try ctx.nodes(asOf: arguments[1]), b = try ctx.nodes(asOf: arguments[2])
                table = try ctx.index.diff(DiffSide(revision: a.revision, commit: a.commit, nodes: a.nodes),
                                           DiffSide(revision: b.revision, commit: b.commit, nodes: b.nodes),
                                           file: (file as NSString).lastPathComponent, metrics: metrics, step: step,
                                           fromDisk: Array(Set(a.fromDisk + b.fromDisk)).sorted())
            } else {
                let ctx = try ResultsContext.open(file: nil, storePath: store.store)
                table = try ctx.index.diff(commitA: ctx.resolve(arguments[0]), commitB: ctx.resolve(arguments[1]), metrics: metrics)
            }
            table.print(format)
        } catch {
            XGraph.fail(error)
        }
    }
}
