/// Generates experiment files in the scaling-study shape (datasets × subsets × capacities ×
/// tasks) for the benchmarks.
enum StudyGenerator {
    /// subset S + pretrain S·C + transfer S·C·T·2 nodes (plus one dataset).
    static func nodeCount(sizes: Int, capacities: Int, tasks: Int) -> Int {
        1 + sizes + sizes * capacities + sizes * capacities * tasks * 2
    }

    /// A study whose steps are trivial shell commands, for planning and null-build timings.
    static func study(sizes: Int, capacities: Int, tasks: Int) -> String {
        let sizeList = (0..<sizes).map { "\(($0 + 1) * 1000)" }.joined(separator: ", ")
        var y = """
            datasets:
              d: { path: data.txt, items: \(sizes * 1000) }
            subsets:
              d: { dataset: d, sizes: [\(sizeList)], nested: true, seed: 0 }
            models:
              m:
                capacities:

            """
        for c in 0..<capacities { y += "      c\(c): { width: \(64 << (c % 6)), depth: \(1 + c / 6) }\n" }
        y += "tasks:\n"
        for t in 0..<tasks { y += "  t\(t): { metric: acc, classes: \(2 + t) }\n" }
        y += """
            steps:
              subset:
                run: builtin:subset
                foreach: { data: subsets.d }
                inputs: { dataset: datasets.d }
              pretrain:
                foreach: { data: subsets.d, model: models.m }
                inputs: { subset: subset }
                params: { epochs: 3, lr: 0.1 }
                command: echo {{ model.width }} {{ params.lr }} > {{ out }}/w
              transfer:
                foreach: { data: subsets.d, model: models.m, task: tasks, mode: [frozen, finetune] }
                inputs: { ckpt: pretrain }
                params: { lr: 0.01 }
                command: echo {{ task.classes }} {{ mode }} > {{ out }}/metrics.txt

            """
        return y
    }

    /// A study of sleep steps with GPU demands and known durations (`scale` seconds per unit):
    /// pretraining takes 2 GPUs and time growing with data; transfers take 1 GPU; evals none.
    static func sleepStudy(sizes: Int, capacities: Int, tasks: Int, scale: Double) -> (yaml: String, durations: [String: (gpus: Int, seconds: Double)]) {
        var y = "models:\n  m:\n    capacities:\n"
        for c in 0..<capacities { y += "      c\(c): { cost: \(c + 1) }\n" }
        y += "tasks:\n"
        for t in 0..<tasks { y += "  t\(t): { cost: 1 }\n" }
        let sizeList = (0..<sizes).map { "\($0 + 1)" }
        y += """
            steps:
              pretrain:
                foreach: { data: [\(sizeList.joined(separator: ", "))], model: models.m }
                params: { scale: \(scale) }
                command: sleep $(awk 'BEGIN { print {{ params.scale }} * {{ data }} * {{ model.cost }} }')
                resources: { gpus: 2 }
              transfer:
                foreach: { data: [\(sizeList.joined(separator: ", "))], model: models.m, task: tasks }
                inputs: { ckpt: pretrain }
                command: sleep \(scale)
                resources: { gpus: 1 }

            """
        var durations: [String: (Int, Double)] = [:]
        for (si, s) in sizeList.enumerated() {
            for c in 0..<capacities {
                durations["pretrain/data=\(s)/model=c\(c)"] = (2, scale * Double(si + 1) * Double(c + 1))
                for t in 0..<tasks { durations["transfer/data=\(s)/model=c\(c)/task=t\(t)"] = (1, scale) }
            }
        }
        return (y, durations)
    }
}
