import XGraphCore
import XGraphSpec

/// One value an axis takes: its label (the node-name part) and the object a node's params
/// carry for it (`{"kind":"capacity","name":"r101","model":"resnet","depth":101}`).
struct AxisPoint {
    var label: String
    var object: JSONValue
    /// For a subset: its family and the dataset it is drawn from. Two datasets' subsets may
    /// share a label, so inputs match subsets on the dataset as well.
    var family: String? = nil
    var dataset: String? = nil
    /// For a subset: the node builtin:subset must draw it from (`dataset/NAME`, or the step
    /// whose output it is drawn from).
    var source: String? = nil
}

/// The values of every axis source, computed once per source for all steps that use it.
struct AxisDomains {
    let spec: Spec
    private var cache: [AxisSource: [AxisPoint]] = [:]

    init(spec: Spec) { self.spec = spec }

    mutating func points(_ source: AxisSource) -> [AxisPoint] {
        if let p = cache[source] { return p }
        let p = compute(source)
        cache[source] = p
        return p
    }

    private func compute(_ source: AxisSource) -> [AxisPoint] {
        switch source {
        case .subsets(let n):
            return subsetPoints(spec.subsets.filter { n == nil || $0.name == n })
        case .subsetsOf(_, let n):
            return subsetPoints(spec.subsets.filter { n == nil || $0.dataset == n })
        case .models(let n):
            return spec.models.filter { n == nil || $0.name == n }.flatMap { m in
                m.capacities.map { c in
                    var o = m.params.merging(c.params) { _, capacity in capacity }
                    o["kind"] = .string("capacity"); o["name"] = .string(c.name); o["model"] = .string(m.name)
                    return AxisPoint(label: c.name, object: .object(o))
                }
            }
        case .tasks(let n):
            return spec.tasks.filter { n == nil || $0.name == n }.map { t in
                var o = t.attributes
                o["kind"] = .string("task"); o["name"] = .string(t.name)
                return AxisPoint(label: t.name, object: .object(o))
            }
        case .datasets(let n):
            return spec.datasets.filter { n == nil || $0.name == n }.map {
                AxisPoint(label: $0.name, object: AxisDomains.datasetObject($0))
            }
        case .literal(let values):
            return values.map { AxisPoint(label: $0.label, object: $0.value) }
        }
    }

    /// One point per size of each family, labelled by the size as written.
    private func subsetPoints(_ families: [SubsetSpec]) -> [AxisPoint] {
        families.flatMap { s in
            let items = s.fromStep ? s.items : spec.dataset(named: s.dataset)?.items
            return s.sizes.map { size in
                var o: [String: JSONValue] = [
                    "kind": .string("subset"), "name": .string(size.label), "size": .int(size.count),
                    "subset": .string(s.name), "dataset": .string(s.dataset),
                    "seed": .int(s.seed), "nested": .bool(s.nested),
                ]
                if let noise = s.labelNoise { o["label_noise"] = .double(noise) }
                if let items { o["items"] = .int(items) }
                // A generated data set is no declared dataset: no grid over datasets pairs with it.
                if s.fromStep {
                    o["from_step"] = .bool(true)
                    return AxisPoint(label: size.label, object: .object(o), family: s.name, dataset: nil, source: s.dataset)
                }
                return AxisPoint(label: size.label, object: .object(o), family: s.name, dataset: s.dataset,
                                 source: "dataset/" + s.dataset)
            }
        }
    }

    /// A dataset as params see it: everything but its path, which is machine-specific and
    /// enters keys through the fingerprint instead.
    static func datasetObject(_ d: DatasetSpec) -> JSONValue {
        var o = d.attributes
        o["kind"] = .string("dataset"); o["name"] = .string(d.name)
        if let items = d.items { o["items"] = .int(items) }
        if let source = d.source { o["source"] = .string(source) }
        switch d.fingerprint {
        case .content: o["fingerprint"] = .string("content")
        case .stat: o["fingerprint"] = .string("stat")
        case .version(let v): o["fingerprint"] = .string("version"); o["version"] = .string(v)
        }
        return .object(o)
    }
}
