import XGraphCore
import XGraphSpec

/// The expanded DAG. Nodes are in topological order (dependencies first), stable across runs:
/// used datasets in declaration order, then the steps in dependency order (ties broken by
/// declaration order), each step's nodes in axis order (first axis outermost).
public struct Graph: Sendable {
    public let nodes: [Node]
    private let indexByID: [String: Int]
    private let deps: [[Int]]
    private let rdeps: [[Int]]

    /// `nodes` must be topologically ordered, `index` must map each id to its position, and
    /// `dependencies[i]` must list the positions node `i` reads, each once.
    init(nodes: [Node], index: [String: Int], dependencies: [[Int]]) {
        var rdeps = [[Int]](repeating: [], count: nodes.count)
        for (i, d) in dependencies.enumerated() { for j in d { rdeps[j].append(i) } }
        self.nodes = nodes
        self.indexByID = index
        self.deps = dependencies
        self.rdeps = rdeps
    }

    public func index(of id: String) -> Int? { indexByID[id] }

    /// The nodes `i` reads, in input order.
    public func dependencies(of i: Int) -> [Int] { deps[i] }

    /// The nodes that read `i`, in topological order.
    public func dependents(of i: Int) -> [Int] { rdeps[i] }

    /// The nodes matching any of `patterns` plus everything they depend on, in topological
    /// order. A pattern is a node name or a glob (`*` any characters, '/' included; `?` one).
    /// A pattern that matches nothing is an error naming the step's axis order or a few close
    /// node names (`noMatchMessage`).
    public func select(_ patterns: [String]) throws -> [Int] {
        var chosen = [Bool](repeating: false, count: nodes.count)
        var stack = try matching(patterns)
        while let i = stack.popLast() {
            if chosen[i] { continue }
            chosen[i] = true
            stack.append(contentsOf: deps[i])
        }
        return chosen.indices.filter { chosen[$0] }
    }

    /// The nodes matching any of `patterns`, without their dependencies (for `--force`).
    public func matching(_ patterns: [String]) throws -> [Int] {
        var out: [Int] = []
        for pattern in patterns {
            var matched = false
            if !pattern.contains("*") && !pattern.contains("?") {
                if let i = indexByID[pattern] { out.append(i); matched = true }
            } else {
                let glob = Glob(pattern)
                for (i, n) in nodes.enumerated() where glob.matches(n.id) {
                    out.append(i)
                    matched = true
                }
            }
            guard matched else { throw XGraphError.usage(noMatchMessage(pattern)) }
        }
        return out
    }
}
