import Foundation
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// How the head reads the queue: `squeue --json` (structured, where the installed Slurm offers
/// it and honours the filters) or the text columns of `--Format` (every Slurm since 2.x).
///
/// Slurm 22.05 (Debian 12) has `squeue --json` through its openapi/v0.0.38 data parser, but
/// there "all other formatting and filtering arguments will be ignored" (man squeue): `--me`
/// is dropped and every job of every user is printed, about 3.7 KB each. A head polling a
/// cluster of 50,000 jobs every few seconds would read 185 MB per poll, so there the text
/// format stays. `scontrol --json` came with 23.02; 22.05 rejects the option.
public enum SlurmQueueFormat: String, Sendable {
    case text
    case json

    /// `XGRAPH_SLURM_QUEUE=json|text` forces a format (json: even where filters are ignored;
    /// the head then keeps only its own jobs); unset or `auto` detects it once per process.
    public static var requested: SlurmQueueFormat? {
        switch ProcessInfo.processInfo.environment["XGRAPH_SLURM_QUEUE"]?.lowercased() {
        case "json": return .json
        case "text": return .text
        default: return nil
        }
    }

    /// The format to poll with, and why. One `squeue --json` call that names no job of ours
    /// (a job name nobody uses): a Slurm that honours filters lists nothing.
    ///
    /// `squeue --version` is asked first: where it names a Slurm before 23.02 the probe is not
    /// made, since there it would print every job of every user once (megabytes on a busy
    /// cluster, all parsed to learn nothing).
    public static func detect(_ client: SlurmClient) async -> (SlurmQueueFormat, String) {
        if let forced = requested { return (forced, "XGRAPH_SLURM_QUEUE=\(forced.rawValue)") }
        if let out = try? await client.run("squeue", ["--version"]), out.succeeded,
           let v = version(out.stdout), (v.major, v.minor) < (23, 2) {
            return (.text, "Slurm \(v.major).\(String(format: "%02d", v.minor))'s squeue --json ignores filtering options (man squeue)")
        }
        let probe = "xg:format-probe-\(UUID().uuidString)"
        guard let out = try? await client.run("squeue", ["--json", "--me", "--name=" + probe]) else {
            return (.text, "squeue could not be run")
        }
        guard out.succeeded else { return (.text, "squeue --json failed: \(out.message)") }
        guard let reply = SlurmJSON.reply(out.stdout) else { return (.text, "squeue --json printed no JSON job list") }
        let version = reply.version.map { "Slurm \($0.major).\(String(format: "%02d", $0.minor))" } ?? "this Slurm"
        if !reply.jobs.isEmpty {
            return (.text, "\(version)'s squeue --json ignores --me and --name: it lists every user's jobs on every poll")
        }
        // An empty answer proves nothing on an idle cluster: 22.05 ignores filters (its man page).
        if let v = reply.version, (v.major, v.minor) < (23, 2) {
            return (.text, "\(version)'s squeue --json ignores filtering options (man squeue)")
        }
        return (.json, "\(version) offers squeue --json with filters")
    }
}

extension SlurmQueueFormat {
    /// The release in `squeue --version`'s answer (`slurm 23.11.4`, Debian's `slurm-wlm 22.05.8`).
    public static func version(_ text: String) -> (major: Int, minor: Int)? {
        guard let word = text.split(whereSeparator: \.isWhitespace).last else { return nil }
        let parts = word.split(separator: ".")
        guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        return (major, minor)
    }
}

/// Slurm's JSON job lists (`squeue --json`, `scontrol --json show job`): the openapi data
/// parsers v0.0.38 (22.05) to v0.0.4x, whose `job_state` went from a string to a list of flags.
public enum SlurmJSON {
    public struct Reply {
        public var jobs: [[String: Any]]
        public var version: (major: Int, minor: Int)?
    }

    public static func reply(_ text: String) -> Reply? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
              let jobs = object["jobs"] as? [[String: Any]] else { return nil }
        var version: (Int, Int)?
        if let meta = object["meta"] as? [String: Any],
           let v = ((meta["Slurm"] ?? meta["slurm"]) as? [String: Any])?["version"] as? [String: Any],
           let major = int(v["major"]), let minor = int(v["minor"]) {
            version = (major, minor)
        }
        return Reply(jobs: jobs, version: version)
    }

    /// The jobs of user `uid` in a JSON job list, keyed as `sbatch --parsable` and squeue's
    /// text print them (`123`, or `123_4` for an array task); nil when it is not such a list.
    /// Filtered here whatever the command was asked: 22.05 lists every user's jobs.
    public static func jobs(_ text: String, user uid: UInt32) -> [String: SlurmListedJob]? {
        guard let reply = reply(text) else { return nil }
        var out: [String: SlurmListedJob] = [:]
        for job in reply.jobs {
            guard let id = int(job["job_id"]), let user = int(job["user_id"]), user == Int(uid) else { continue }
            var keys = [String(id)]
            if let array = int(job["array_job_id"]), array > 0 {
                if let task = int(job["array_task_id"]) {
                    keys = ["\(array)_\(task)"]
                } else if let pending = job["array_task_string"] as? String, let tasks = arrayTasks(pending) {
                    // The tasks still pending, as one record: `3-99%5`.
                    keys = tasks.map { "\(array)_\($0)" }
                }
            }
            let state: String
            if let s = job["job_state"] as? String { state = s }
            else if let flags = job["job_state"] as? [String], let first = flags.first { state = first }
            else { continue }
            for key in keys {
                let identity = SlurmJobIdentity(name: job["name"] as? String ?? "",
                                                log: SlurmQueue.taskOutput(job["standard_output"] as? String ?? "", id: key))
                if let listed = SlurmQueue.listed(state: state, reason: job["state_reason"] as? String ?? "", identity: identity) {
                    out[key] = listed
                }
            }
        }
        return out
    }

    /// The task indices of an array's pending record (`3-99%5`, `1,4,7-9`, `0-20:4`); nil
    /// when it is not such a list, or names more tasks than any array may hold.
    static func arrayTasks(_ text: String) -> [Int]? {
        let list = text.split(separator: "%").first ?? ""
        var tasks: [Int] = []
        for part in list.split(separator: ",") {
            let stepped = part.split(separator: ":", omittingEmptySubsequences: false)
            let bounds = (stepped.first ?? "").split(separator: "-", omittingEmptySubsequences: false)
            guard let first = bounds.first.flatMap({ Int($0) }), first >= 0, bounds.count <= 2, stepped.count <= 2 else { return nil }
            let last = bounds.count == 2 ? Int(bounds[1]) : first
            let step = stepped.count == 2 ? Int(stepped[1]) : 1
            guard let last, let step, step > 0, last >= first, last - first <= 4_000_000 else { return nil }
            tasks += stride(from: first, through: last, by: step)
            if tasks.count > 4_000_000 { return nil }
        }
        return tasks.isEmpty ? nil : tasks
    }

    /// A number as the parsers write it: plain, or (v0.0.39 on) `{"set": true, "number": N}`.
    static func int(_ value: Any?) -> Int? {
        if let n = value as? Int { return n }
        if let n = value as? NSNumber { return n.intValue }
        // 23.11 writes the version's numbers as strings.
        if let s = value as? String { return Int(s) }
        if let o = value as? [String: Any], (o["set"] as? Bool) ?? true, let n = o["number"] { return int(n) }
        return nil
    }
}
