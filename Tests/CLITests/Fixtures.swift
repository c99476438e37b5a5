import Foundation

/// A small study with every kind of edge: two subset families, two capacities, a code file, a
/// train step and an eval step. Steps append their node name to ran.log, so tests see what ran.
enum Fixtures {
    static let experiment = """
        datasets:
          nums: { path: data.txt, items: 100 }
        subsets:
          a: { dataset: nums, sizes: [10, 20], nested: true, seed: 1 }
          b: { dataset: nums, sizes: [30], nested: true, seed: 2 }
        models:
          m:
            capacities:
              small: { w: 1 }
              big: { w: 2 }
        steps:
          subset:
            run: builtin:subset
            foreach: { data: subsets }
            inputs: { dataset: datasets.nums }
          train:
            foreach: { data: subsets, model: models }
            inputs: { subset: subset }
            params: { lr: 0.1, note: "same output" }
            code: [train.sh]
            command: sh train.sh {{ inputs.subset }} {{ model.w }} {{ params.lr }} {{ out }}
            outputs: [weights.txt]
          eval:
            foreach: { data: subsets, model: models }
            inputs: { ckpt: train }
            command: |
              echo "$XGRAPH_NODE" >> ran.log
              echo "{\\"score\\": $(cat {{ inputs.ckpt }}/weights.txt | wc -c)}" > {{ out }}/metrics.json

        """

    static let trainScript = """
        echo "$XGRAPH_NODE" >> ran.log
        n=$(wc -l < "$1/indices.txt")
        echo "$n $2 $3" > "$4/weights.txt"
        echo "{\\"n\\": $n, \\"w\\": $2}" > "$4/metrics.json"

        """

    static let data = (0..<100).map { "\($0)\n" }.joined()

    static func project() throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", experiment)
        try h.write("train.sh", trainScript)
        try h.write("data.txt", data)
        return h
    }
}

extension CLIHarness {
    /// Node names that ran, from the steps' own log; cleared after reading.
    func takeRan() throws -> [String] {
        let path = dir.appendingPathComponent("ran.log").path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        try FileManager.default.removeItem(atPath: path)
        return text.split(separator: "\n").map(String.init).sorted()
    }

    /// Node names the build output says it started (builtins included).
    static func started(_ r: Result) -> [String] {
        r.out.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "] start  ") else { return nil }
            return String(line[range.upperBound...].split(separator: " ").first ?? "")
        }.sorted()
    }
}
