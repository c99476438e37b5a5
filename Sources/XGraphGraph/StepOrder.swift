import XGraphCore
import XGraphSpec

/// Orders steps so each comes after the steps it reads; among steps that are ready together,
/// declaration order wins, so the node order is stable. A cycle is an error that prints it.
enum StepOrder {
    static func sorted(_ steps: [StepSpec]) throws -> [Int] {
        var index: [String: Int] = [:]
        for (i, s) in steps.enumerated() { index[s.name] = i }
        // upstream[i]: steps that step i reads (each once, in input order).
        let upstream: [[Int]] = steps.map { s in
            var u: [Int] = []
            for input in s.inputs {
                if case .step(let name, _) = input.ref, let j = index[name], !u.contains(j) { u.append(j) }
            }
            return u
        }
        if let cycle = findCycle(upstream) {
            let names = cycle.map { steps[$0].name }.joined(separator: " → ")
            let wheres = Array(Set(cycle)).sorted().map { "'\(steps[$0].name)' at \(steps[$0].location)" }
            let first = steps[cycle[0]]
            let message = cycle.count == 2
                ? "step '\(first.name)' reads its own output (\(names))"
                : "steps form a cycle: \(names) (\(wheres.joined(separator: ", ")))"
            throw XGraphError.spec(first.location, message)
        }
        var remaining = upstream.map(\.count)
        var downstream = [[Int]](repeating: [], count: steps.count)
        for (i, u) in upstream.enumerated() { for j in u { downstream[j].append(i) } }
        var ready = steps.indices.filter { remaining[$0] == 0 }
        var order: [Int] = []
        order.reserveCapacity(steps.count)
        while !ready.isEmpty {
            // Few steps: taking the smallest ready index by a linear scan is cheap and stable.
            let k = ready.indices.min { ready[$0] < ready[$1] }!
            let i = ready.remove(at: k)
            order.append(i)
            for d in downstream[i] {
                remaining[d] -= 1
                if remaining[d] == 0 { ready.append(d) }
            }
        }
        return order
    }

    /// A cycle as a path that starts and ends at the same step, e.g. [a, b, a].
    private static func findCycle(_ upstream: [[Int]]) -> [Int]? {
        // Searched along "reads" edges, then reversed, so the path reads in data-flow order.
        var state = [UInt8](repeating: 0, count: upstream.count)  // 0 new, 1 on stack, 2 done
        var stack: [Int] = []
        func visit(_ i: Int) -> [Int]? {
            state[i] = 1
            stack.append(i)
            for j in upstream[i] {
                if state[j] == 1 {
                    let start = stack.lastIndex(of: j)!
                    return (Array(stack[start...]) + [j]).reversed()
                }
                if state[j] == 0, let c = visit(j) { return c }
            }
            stack.removeLast()
            state[i] = 2
            return nil
        }
        for i in upstream.indices where state[i] == 0 {
            if let c = visit(i) { return c }
        }
        return nil
    }
}
