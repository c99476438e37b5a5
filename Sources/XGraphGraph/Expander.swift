import Foundation
import XGraphCore
import XGraphSpec

/// Expands a validated spec into the DAG of nodes: the cartesian product of each step's
/// axes (less `exclude`, restricted to `only`), inputs matched to upstream nodes on shared axis
/// values, commands rendered with every value substituted and paths left as role placeholders.
/// Planning only: nothing here touches a process, and only `code:` paths were checked on disk.
public enum Expander {
    public static func expand(_ spec: Spec) throws -> Graph {
        var domains = AxisDomains(spec: spec)
        var nodes: [Node] = []
        var index: [String: Int] = [:]
        var deps: [[Int]] = []

        // Datasets read by some step come first: they have no inputs.
        var datasetNode: [String: Int] = [:]
        var used = Set(spec.steps.flatMap { $0.inputs.compactMap { i -> String? in
            if case .dataset(let d) = i.ref { return d } else { return nil }
        } })
        for step in spec.steps { used.formUnion(GridChecks.datasetsRead(by: step, domains: &domains)) }
        for d in spec.datasets where used.contains(d.name) {
            let id = "dataset/\(d.name)"
            datasetNode[d.name] = nodes.count
            index[id] = nodes.count
            nodes.append(sourceNode(d, id: id))
            deps.append([])
        }

        var expanded: [String: ExpandedStep] = [:]
        for s in try StepOrder.sorted(spec.steps) {
            let step = spec.steps[s]
            let axes = step.foreach
            var points: [[AxisPoint]] = []
            for axis in axes {
                let p = domains.points(axis.source)
                try GridChecks.checkDistinct(axis, p, step: step)
                points.append(p)
            }
            let total = try combinations(step, points.map(\.count))
            try GridChecks.checkParamNames(step, points: points)
            let scope = CompiledTemplate.Scope(step: step, axes: axes, points: points)
            let command: CompiledTemplate?
            let kind: NodeKind
            switch step.action {
            case .builtin(let name): kind = .builtin(name); command = nil
            case .command(let t): kind = .shell; command = try CompiledTemplate(t, scope: scope, quote: true)
            }
            let env = try step.env.map { ($0.name, try CompiledTemplate($0.value, scope: scope, quote: false)) }
            let inputs = try step.inputs.map { try InputMatcher(input: $0, step: step, axes: axes, points: points,
                                                                 expanded: expanded, datasetNode: datasetNode) }
            let filters = try Filters(step: step, points: points)
            let subsetSource = GridChecks.SubsetSource(step: step, points: points)
            let replicateSeed = try ReplicateSeed(step: step, points: points)

            var out = ExpandedStep(axes: axes, points: points)
            let slurm = step.slurm.map { spec.slurm.overridden(by: $0) } ?? spec.slurm
            // One definition for every node of the step: nodes refer to it, never copy it.
            let definition = StepDefinition.Shared(StepDefinition(
                name: step.name, kind: kind, outputs: step.outputs, code: step.code.map(\.absolute),
                codeNames: step.code.map(\.written), resources: step.resources, gpusInKey: step.gpusAffectResults,
                retries: step.retries, resume: step.resume, estimateSeconds: step.estimateSeconds, mutex: step.mutex,
                workdir: step.workdir, location: step.location, maxParallel: step.maxParallel, slurm: slurm,
                keyedEnvironment: step.keyEnv, container: step.container, jobGroup: step.jobGroup))
            // Per axis value, everything a node takes from it, built once.
            let idParts = axes.indices.map { a in points[a].map { "/\(axes[a].name)=\($0.label)" } }
            let axisValues = axes.indices.map { a in points[a].map { AxisValue(axis: axes[a].name, value: $0.label) } }
            // Every node's params hold the same keys: fill a copy of this instead of growing
            // (and rehashing) a dictionary per node.
            var paramsShape = [String: JSONValue](minimumCapacity: step.params.count + axes.count)
            paramsShape.merge(step.params) { a, _ in a }
            for axis in axes { paramsShape[axis.name] = .null }
            var point = [Int](repeating: 0, count: axes.count)
            let limits = points.map(\.count)
            nodes.reserveCapacity(nodes.count + total)
            deps.reserveCapacity(nodes.count + total)
            for combination in 0..<total {
                defer { advance(&point, limits: limits) }
                guard filters.keeps(point) else { continue }
                let i = nodes.count
                var id = step.name
                var values: [AxisValue] = []
                values.reserveCapacity(axes.count)
                var params = paramsShape
                for a in axes.indices {
                    let v = point[a]
                    id += idParts[a][v]
                    values.append(axisValues[a][v])
                    params[axes[a].name] = points[a][v].object
                }
                replicateSeed?.apply(&params, point: point)
                guard index.updateValue(i, forKey: id) == nil else {
                    throw XGraphError.spec(step.location, "two nodes are named '\(id)'; rename the step or the axis values")
                }
                var edges: [InputEdge] = []
                edges.reserveCapacity(inputs.count)
                var upstream: [Int] = []
                upstream.reserveCapacity(inputs.count)
                for m in inputs {
                    let u = try m.upstream(for: point, node: id)
                    edges.append(InputEdge(name: m.name, node: nodes[u].id))
                    // One upstream node read under two input names is one dependency.
                    if !upstream.contains(u) { upstream.append(u) }
                }
                try subsetSource?.check(point, edges: edges, node: id)
                var envValues: [String: String] = [:]
                for (name, t) in env { envValues[name] = try t.render(point, axes: axes, points: points, node: id) }
                out.nodeAt[combination] = i
                deps.append(upstream)
                nodes.append(Node(
                    id: id, axes: values, params: .object(params),
                    command: try command?.render(point, axes: axes, points: points, node: id) ?? "",
                    inputs: edges, env: envValues, step: definition))
            }
            expanded[step.name] = out
        }
        return Graph(nodes: nodes, index: index, dependencies: deps)
    }

    /// More nodes than any study has, and few enough to plan in memory: a product past it
    /// (or past Int, which trapped) is an error, not a hang or a crash.
    public static let maxCombinations = 10_000_000

    /// The number of axis value combinations of a step, checked against `maxCombinations`.
    static func combinations(_ step: StepSpec, _ counts: [Int]) throws -> Int {
        var total = 1
        for c in counts {
            let (product, overflow) = total.multipliedReportingOverflow(by: c)
            guard !overflow, product <= maxCombinations else {
                let sizes = Set(counts).count == 1 ? "\(counts.count) axes of \(c) values each"
                    : counts.map(String.init).joined(separator: " × ") + " values"
                throw XGraphError.spec(step.location, "step '\(step.name)' has more than \(maxCombinations) combinations "
                    + "of its axes (\(sizes)); split it, or narrow it with 'only:'")
            }
            total = product
        }
        return total
    }

    /// Odometer increment, last axis fastest, so the first axis is outermost.
    private static func advance(_ point: inout [Int], limits: [Int]) {
        var a = point.count - 1
        while a >= 0 {
            point[a] += 1
            if point[a] < limits[a] { return }
            point[a] = 0
            a -= 1
        }
    }

    private static func sourceNode(_ d: DatasetSpec, id: String) -> Node {
        let fingerprint: FingerprintMode
        switch d.fingerprint {
        case .content: fingerprint = .content
        case .stat: fingerprint = .stat
        case .version(let v): fingerprint = .version(v)
        }
        return Node(
            id: id, step: "dataset", axes: [], kind: .source(path: d.path, fingerprint: fingerprint),
            params: AxisDomains.datasetObject(d), command: "", inputs: [], outputs: [], code: [], codeNames: [],
            env: [:], resources: Resources(), gpusInKey: false, retries: 0, resume: false, estimateSeconds: nil,
            mutex: [], workdir: (d.location.file as NSString).deletingLastPathComponent, location: d.location)
    }
}

/// A step after expansion, as its downstream steps see it: for every combination of axis
/// value indices (mixed radix, first axis most significant), the index of its node in the
/// graph, or -1 where `exclude`/`only` removed it. Lookups hash nothing.
struct ExpandedStep {
    let axes: [AxisSpec]
    let points: [[AxisPoint]]
    let strides: [Int]
    var nodeAt: [Int]

    init(axes: [AxisSpec], points: [[AxisPoint]]) {
        self.axes = axes
        self.points = points
        var strides = [Int](repeating: 1, count: points.count)
        var total = 1
        for a in points.indices.reversed() {
            strides[a] = total
            total *= points[a].count
        }
        self.strides = strides
        nodeAt = [Int](repeating: -1, count: total)
    }
}
