import XGraphCore

/// The topological scheduler: runs a static DAG of tasks on a resource pool, ready tasks in
/// critical-path order. It knows nothing about processes or caches; the delegate does.
///
/// Lifecycle of a task: waiting (deps pending) → preparing (delegate decides cached or run,
/// holding no resources) → queued (waiting for resources) → running → succeeded / failed.
/// See docs/executors.md for the policy on failures, cancellation and starvation.
public final class Scheduler: Sendable {
    public let pool: ResourcePool
    public let options: SchedulerOptions

    public init(pool: ResourcePool, options: SchedulerOptions = SchedulerOptions()) {
        self.pool = pool; self.options = options
    }

    private enum ChildResult: Sendable {
        case prepared(String, Preparation)
        case executed(String, Allocation, Bool)
    }

    public func run(_ tasks: [SchedTask], delegate: some SchedulerDelegate) async -> SchedulerOutcome {
        var state = RunState(tasks: tasks, starvationLimit: options.starvationLimit)
        var pool = self.pool
        let options = self.options
        for (task, missing) in state.unknownDeps {
            for blocked in state.block(task, by: missing) { await delegate.event(.blocked(blocked, by: missing)) }
        }
        return await withTaskGroup(of: ChildResult.self, returning: SchedulerOutcome.self) { group in
            var preparing = 0, running = 0
            var stopping = false, cancelled = false
            while true {
                if !cancelled && Task.isCancelled { cancelled = true }
                if cancelled || stopping { state.stopStarting() }
                // Prepare ready tasks (no resources held), highest priority first.
                while preparing < options.maxPreparing, let id = state.nextToPrepare() {
                    preparing += 1
                    group.addTask { .prepared(id, await delegate.prepare(id)) }
                }
                // Start whatever fits.
                let (started, reserved) = state.queue.takeStartable(from: &pool, slots: options.maxJobs - running)
                if let reserved { await delegate.event(.reserved(reserved)) }
                for (id, allocation) in started {
                    running += 1
                    state.markRunning(id)
                    await delegate.event(.started(id, allocation))
                    group.addTask { .executed(id, allocation, await delegate.execute(id, allocation: allocation)) }
                }
                guard preparing + running > 0, let result = await group.next() else { break }
                if !cancelled && Task.isCancelled { cancelled = true }
                switch result {
                case .prepared(let id, let preparation):
                    preparing -= 1
                    switch preparation {
                    case .done(let ok):
                        await delegate.event(.skipped(id, succeeded: ok))
                        if ok {
                            state.succeed(id)
                        } else {
                            for b in state.fail(id) { await delegate.event(.blocked(b, by: id)) }
                            if !options.keepGoing { stopping = true }
                        }
                    case .run where cancelled || stopping:
                        break  // stays not started
                    case .run:
                        let t = state.task(id)
                        if pool.canEverFit(t.resources, group: t.group) {
                            state.enqueue(id)
                            await delegate.event(.queued(id))
                        } else {
                            await delegate.event(.unschedulable(id))
                            for b in state.fail(id, unschedulable: true) { await delegate.event(.blocked(b, by: id)) }
                            if !options.keepGoing { stopping = true }
                        }
                    }
                case .executed(let id, let allocation, let ok):
                    running -= 1
                    pool.release(allocation)
                    await delegate.event(.finished(id, succeeded: ok))
                    if ok {
                        state.succeed(id)
                    } else if cancelled {
                        state.interrupt(id)
                    } else {
                        for b in state.fail(id) { await delegate.event(.blocked(b, by: id)) }
                        if !options.keepGoing { stopping = true }
                    }
                }
            }
            return state.outcome(cancelled: cancelled)
        }
    }
}
