import XGraphCore

extension ResultsIndex {
    /// A metric laid out by axes, like the paper's tables: `rows: ["data"], columns: ["model"]`
    /// gives one row per data size and one column per model.
    ///
    /// Only runs that recorded `metric` and have every pivot axis take part. When those runs
    /// differ in something the pivot does not name (another axis, such as `task`, or the step),
    /// one cell would hold several runs; instead the table is split by it: each such axis (and
    /// `step`, when several steps take part) becomes a leading row column, so every
    /// combination gets its own block of rows. With `latestOnly` off, several runs of one node
    /// can still meet in a cell; that is an error naming the cell.
    ///
    /// Column headers are the column axis's values (`r101`), or `axis=value` pairs joined with
    /// commas when there are several column axes. With no column axes, the one value column is
    /// named after the metric (`metric:NAME` when a row axis has that name). In JSON the row's
    /// axes are in `axes`, the value columns in `cells`, and a split by step in `step`.
    /// Size labels sort numerically, everything else as text.
    /// With current nodes (`q.current`), a node without a run of its current key leaves its
    /// cell empty, and the footer counts such nodes.
    public func pivot(_ q: ResultsQuery, rows rowAxes: [String], columns columnAxes: [String],
                      metric: String) throws -> ResultTable {
        try pivot(selectRuns(q), rows: rowAxes, columns: columnAxes, metric: metric)
    }

    /// `pivot` over runs selected once (see `selectRuns`).
    public func pivot(_ selection: SelectedRuns, rows rowAxes: [String], columns columnAxes: [String],
                      metric: String) throws -> ResultTable {
        let layout = try PivotLayout(selection, rows: rowAxes, columns: columnAxes, metric: metric, replicates: nil)
        let table = layout.rowKeys.map { rowKey -> [JSONValue] in
            rowKey.map { $0.map(JSONValue.string) ?? .null }
                + layout.columnKeys.map { layout.cells[rowKey]?[$0]?.first?.metrics[metric].map(JSONValue.double) ?? .null }
        }
        return ResultTable(fields: layout.keyFields + layout.cellNames.map(ResultField.cell), groups: ["axes", "cells"],
                           rows: table, title: layout.title, footer: selection.footer)
    }
}

/// A pivot's shape: which runs land in which cell, the rows and columns in order, and the
/// names of its columns. Shared by the plain pivot (one run per cell) and the replicate pivot
/// (the runs of the replicate axis's values per cell, `ResultsIndex.replicatePivot`).
struct PivotLayout {
    let rowAxes: [String]
    let columnAxes: [String]
    let split: SplitKey
    /// Row key (split values, then row-axis values) → column key → the cell's runs.
    let cells: [[String?]: [[String]: [IndexedRun]]]
    let rowKeys: [[String?]]
    let columnKeys: [[String]]
    /// The value columns: one per column-axis value, or the metric's one.
    let cellNames: [String]
    /// The split by step, then the split and row axes (`ResultField`).
    let keyFields: [ResultField]
    let title: String

    init(_ selection: SelectedRuns, rows rowAxes: [String], columns columnAxes: [String], metric: String,
         replicates: String?) throws {
        guard !rowAxes.isEmpty else { throw XGraphError.usage("--pivot needs at least one axis for the rows") }
        let pivotAxes = rowAxes + columnAxes
        if Set(pivotAxes).count != pivotAxes.count {
            throw XGraphError.usage("--pivot names an axis twice: \(pivotAxes.joined(separator: ","))")
        }
        try selection.checkAxes(pivotAxes, context: "--pivot")
        if let replicates {
            try selection.checkAxes([replicates], context: "--replicates")
            if pivotAxes.contains(replicates) {
                throw XGraphError.usage("--replicates \(replicates) is also a --pivot axis; its runs are the replicates of each cell")
            }
        }
        try selection.checkMetrics([metric])
        let needed = pivotAxes + (replicates.map { [$0] } ?? [])
        let runs = selection.runs.filter { run in
            run.metrics[metric] != nil && needed.allSatisfy { run.axis($0) != nil }
        }
        let split = SplitKey(runs: runs, naming: needed)
        let keyColumns = split.columns + rowAxes

        var cells: [[String?]: [[String]: [IndexedRun]]] = [:]
        for run in runs {
            let rowKey = split.values(of: run) + rowAxes.map { run.axis($0) }
            let columnKey = columnAxes.map { run.axis($0)! }
            // A replicate pivot holds one run per replicate value in a cell, a plain one one run.
            if let other = cells[rowKey]?[columnKey]?.first(where: { o in replicates.map { o.axis($0) == run.axis($0) } ?? true }) {
                let place = zip(keyColumns + columnAxes + (replicates.map { [$0] } ?? []),
                                rowKey + columnKey.map(Optional.some) + (replicates.map { [run.axis($0)] } ?? []))
                    .map { "\($0)=\($1 ?? "-")" }.joined(separator: ", ")
                throw XGraphError.usage("pivot cell \(place) holds several runs (\(other.node) ended \(other.end), "
                    + "and \(run.end)); keep the latest run per node, or pivot on more axes")
            }
            cells[rowKey, default: [:]][columnKey, default: []].append(run)
        }
        let sizes = LabelOrder.Sizes(cells.keys.lazy.flatMap { $0.compactMap { $0 } })
        rowKeys = cells.keys.sorted { a, b in sizes.less(a, b) }
        columnKeys = Set(cells.values.flatMap(\.keys)).sorted { a, b in
            LabelOrder.less(a.map(Optional.some), b.map(Optional.some))
        }
        var names = columnAxes.isEmpty ? [metric] : columnKeys.map { key -> String in
            columnAxes.count == 1 ? key[0] : zip(columnAxes, key).map { "\($0)=\($1)" }.joined(separator: ",")
        }
        // A value that is also a key column's name (a model called `data`) would read as that
        // column: name its axis too.
        if !columnAxes.isEmpty && !Set(names).isDisjoint(with: keyColumns) {
            names = columnKeys.map { zip(columnAxes, $0).map { "\($0)=\($1)" }.joined(separator: ",") }
        }
        cellNames = names
        // Namespaces as in `table`: a metric named like a row axis gets its own header.
        keyFields = (split.includesStep ? [ResultField.splitStep] : []) + (split.axes + rowAxes).map(ResultField.axis)
        var title = metric + " by " + rowAxes.joined(separator: ", ")
        if !columnAxes.isEmpty { title += " × " + columnAxes.joined(separator: ", ") }
        if !split.columns.isEmpty { title += " (split by " + split.columns.joined(separator: ", ") + ")" }
        if let replicates { title += ", mean ± sd (n) over " + replicates }
        self.title = title
        self.rowAxes = rowAxes; self.columnAxes = columnAxes; self.split = split; self.cells = cells
    }
}

/// What, besides the axes a question names, tells the selected runs apart: the step, when
/// several take part, and every other axis whose value varies (absent counts as a value).
/// Pivots and fits split by it instead of mixing unlike runs in one cell or one series.
struct SplitKey {
    /// `step` first when it varies, then the varying axes in order of first appearance. The
    /// step's column is `run:step` when an axis is called `step` (training steps are a common
    /// axis), so that the names stay distinct keys of a fit's series.
    let columns: [String]
    let includesStep: Bool
    let axes: [String]

    init(runs: [IndexedRun], naming named: [String]) {
        includesStep = Set(runs.map(\.step)).count > 1
        let named = Set(named)
        let all = ResultsIndex.axesInOrder(runs)
        axes = all.filter { axis in
            !named.contains(axis) && Set(runs.map { $0.axis(axis) }).count > 1
        }
        columns = (includesStep ? [all.contains("step") ? "run:step" : "step"] : []) + axes
    }

    func values(of run: IndexedRun) -> [String?] {
        (includesStep ? [run.step] : []) + axes.map { run.axis($0) }
    }
}
