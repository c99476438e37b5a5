import Foundation
import XCTest

/// A `sbatch` first on PATH that runs the real one, appends `JOBNAME JOBID` to a file for each
/// job it submitted (and an array's `--array` value to another), and, when `XG_SBATCH_PAUSE`
/// is set, touches a file and sleeps that many seconds before it prints the id (for every job
/// but the probe): the window between sbatch returning and the head recording the job, widened.
struct SbatchWrapper {
    let harness: CLIHarness
    /// Relative to the harness folder.
    let folder = "sbatch-wrapper"

    init(_ harness: CLIHarness) throws {
        self.harness = harness
        let dir = harness.dir.appendingPathComponent(folder).path
        try harness.write(folder + "/sbatch", """
            #!/bin/sh
            name=
            array=
            for a in "$@"; do
              case "$a" in --job-name=*) name=${a#--job-name=} ;; --array=*) array=${a#--array=} ;; esac
            done
            out=$(/usr/bin/sbatch "$@"); rc=$?
            if [ "$rc" -eq 0 ]; then printf '%s %s\\n' "$name" "$out" >> '\(dir)/calls'; fi
            if [ "$rc" -eq 0 ] && [ -n "$array" ]; then printf '%s\\n' "$array" >> '\(dir)/arrays'; fi
            if [ -n "${XG_SBATCH_PAUSE:-}" ] && [ "$name" != xg:probe ]; then
              touch '\(dir)/paused'
              sleep "$XG_SBATCH_PAUSE"
            fi
            printf '%s\\n' "$out"
            exit "$rc"

            """)
        chmod(dir + "/sbatch", 0o755)
        for file in ["calls", "arrays"] {
            try harness.write(folder + "/" + file, "")
            chmod(dir + "/" + file, 0o666)
        }
    }

    /// The `--array` value of each array submitted, in order.
    func arrays() throws -> [String] {
        try harness.read(folder + "/arrays").split(separator: "\n").map(String.init)
    }

    /// The environment that puts the wrapper first.
    func environment(pause: Int? = nil) -> [String: String] {
        var env = ["PATH": harness.dir.appendingPathComponent(folder).path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
        if let pause { env["XG_SBATCH_PAUSE"] = String(pause) }
        return env
    }

    /// Whether a paused sbatch has submitted its job.
    var paused: Bool { FileManager.default.fileExists(atPath: harness.dir.appendingPathComponent(folder + "/paused").path) }

    /// Each job submitted through the wrapper (but the probe): job name and id, in order.
    func calls() throws -> [(name: String, id: String)] {
        try harness.read(folder + "/calls").split(separator: "\n").compactMap { line in
            guard let space = line.lastIndex(of: " ") else { return nil }
            let name = String(line[..<space])
            return name == "xg:probe" ? nil : (name, String(line[line.index(after: space)...]))
        }
    }

    /// How many jobs were submitted for each job name.
    func counts() throws -> [String: Int] {
        try calls().reduce(into: [:]) { $0[$1.name, default: 0] += 1 }
    }

    /// Starts the count again.
    func reset() throws {
        for file in ["calls", "arrays"] {
            try harness.write(folder + "/" + file, "")
            chmod(harness.dir.appendingPathComponent(folder + "/" + file).path, 0o666)
        }
    }
}
