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

    /// The scaling study with steps that write real outputs: every node runs `sh step.sh OUT …`
    /// (its `code:` file), which reads a line of its input and writes three small files and a
    /// `metrics.json`, with shell builtins only. Each capacity has a `seed`, so changing one
    /// re-runs its pretrain nodes and their transfers. Also returns `floor`, a plain shell
    /// script that runs the same commands, in the same order, into folders of `floor/`.
    static func outputStudy(sizes: Int, capacities: Int, tasks: Int) -> (yaml: String, step: String, floor: String) {
        let sizeList = (0..<sizes).map { ($0 + 1) * 1000 }
        func width(_ c: Int) -> Int { 64 << (c % 6) }
        var y = """
            datasets:
              d: { path: data.txt, items: \(sizes * 1000) }
            subsets:
              d: { dataset: d, sizes: [\(sizeList.map(String.init).joined(separator: ", "))], nested: true, seed: 0 }
            models:
              m:
                capacities:

            """
        for c in 0..<capacities { y += "      c\(c): { width: \(width(c)), seed: \(c) }\n" }
        y += "tasks:\n"
        for t in 0..<tasks { y += "  t\(t): { metric: acc, classes: \(2 + t) }\n" }
        y += """
            steps:
              subset:
                foreach: { data: subsets.d }
                inputs: { dataset: datasets.d }
                command: sh step.sh {{ out }} subset {{ inputs.dataset }} {{ data }}
                code: [step.sh]
              pretrain:
                foreach: { data: subsets.d, model: models.m }
                inputs: { subset: subset }
                params: { epochs: 3, lr: 0.1 }
                command: sh step.sh {{ out }} pretrain {{ inputs.subset }}/a.txt {{ model.width }} {{ model.seed }} {{ params.lr }}
                code: [step.sh]
              transfer:
                foreach: { data: subsets.d, model: models.m, task: tasks, mode: [frozen, finetune] }
                inputs: { ckpt: pretrain }
                params: { lr: 0.01 }
                command: sh step.sh {{ out }} transfer {{ inputs.ckpt }}/a.txt {{ task.classes }} {{ mode }}
                code: [step.sh]

            """
        let step = #"""
            # step.sh OUT KIND INPUT ARGS...: three small files and metrics.json, shell builtins only
            out=$1; kind=$2; in=$3; shift 3
            read first < "$in" || first=0
            echo "$kind $first $*" > "$out/a.txt"
            echo "$*" > "$out/b.txt"
            echo "$kind" > "$out/c.txt"
            echo "{\"loss\": ${#first}, \"acc\": 0.5, \"args\": \"$*\"}" > "$out/metrics.json"

            """#
        // The floor: the same commands; the output folders are made beforehand in a few
        // `mkdir` calls, since xgraph makes them in-process too.
        var lines: [String] = ["set -e", "o=$PWD/${XGRAPH_FLOOR_DIR:-floor}", "rm -rf \"$o\"", "mkdir \"$o\"", "cd \"$o\""]
        var commands: [String] = []
        var n = 0
        func node(_ command: (String) -> String) { commands.append(command("$o/\(n)")); n += 1 }
        for s in sizeList { node { "sh step.sh \($0) subset data.txt \(s)" } }
        for si in 0..<sizes { for c in 0..<capacities { node { "sh step.sh \($0) pretrain $o/\(si)/a.txt \(width(c)) \(c) 0.1" } } }
        for si in 0..<sizes {
            for c in 0..<capacities {
                for t in 0..<tasks {
                    for mode in ["frozen", "finetune"] {
                        node { "sh step.sh \($0) transfer $o/\(sizes + si * capacities + c)/a.txt \(2 + t) \(mode)" }
                    }
                }
            }
        }
        for start in stride(from: 0, to: n, by: 1000) {
            lines.append("mkdir " + (start..<min(n, start + 1000)).map(String.init).joined(separator: " "))
        }
        lines.append("cd ..")
        lines += commands
        return (y, step, lines.joined(separator: "\n") + "\n")
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
