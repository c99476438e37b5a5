/// Ready-queue priorities: a task's longest remaining path, i.e. its own duration plus the
/// largest priority among the tasks that depend on it. Starting the head of the longest
/// chain first is what keeps a long pretrain → finetune → eval chain from ending last.
public enum CriticalPath {
    public static func priorities(_ tasks: [SchedTask]) -> [String: Double] {
        var index: [String: Int] = [:]
        for (i, t) in tasks.enumerated() where index[t.id] == nil { index[t.id] = i }
        // Edges dep → dependent, over known ids only.
        var dependents = Array(repeating: [Int](), count: tasks.count)
        var pendingDependents = Array(repeating: 0, count: tasks.count)
        for (i, t) in tasks.enumerated() where index[t.id] == i {
            for d in Set(t.deps) {
                guard let j = index[d], j != i else { continue }
                dependents[j].append(i)
                pendingDependents[j] += 1
            }
        }
        // Reverse Kahn: a task is final once all its dependents are.
        var priority = tasks.map { max(0, $0.duration) }
        var stack = (0..<tasks.count).filter { index[tasks[$0].id] == $0 && pendingDependents[$0] == 0 }
        var longestBelow = Array(repeating: 0.0, count: tasks.count)
        var dependencies = Array(repeating: [Int](), count: tasks.count)
        for j in dependents.indices { for i in dependents[j] { dependencies[i].append(j) } }
        while let i = stack.popLast() {
            priority[i] = max(0, tasks[i].duration) + longestBelow[i]
            for j in dependencies[i] {
                longestBelow[j] = max(longestBelow[j], priority[i])
                pendingDependents[j] -= 1
                if pendingDependents[j] == 0 { stack.append(j) }
            }
        }
        // Tasks on a cycle never get here and keep their own duration: they will not run anyway.
        var result: [String: Double] = [:]
        for (id, i) in index { result[id] = priority[i] }
        return result
    }
}
