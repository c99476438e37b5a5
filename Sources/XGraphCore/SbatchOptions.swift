/// The checks on extra `sbatch` arguments (`sbatch_args`), shared by the experiment-file
/// loader and the command line so both refuse the same words with the same reasons.
public enum SbatchOptions {
    /// An option xgraph writes for every job, and what to use instead.
    public struct Reserved: Sendable, Equatable {
        public var long: String
        public var short: Character?
        public var instead: String
    }

    /// A second copy of any of these would override xgraph's own (sbatch keeps the last) and
    /// break logs, ordering, requeueing or the resources the scheduler planned with.
    public static let reserved: [Reserved] = [
        Reserved(long: "job-name", short: "J", instead: "xgraph names each job after its node"),
        Reserved(long: "output", short: "o", instead: "xgraph writes each job's log into its store"),
        Reserved(long: "error", short: "e", instead: "xgraph writes each job's log into its store"),
        Reserved(long: "open-mode", short: nil, instead: "xgraph writes each job's log into its store"),
        Reserved(long: "parsable", short: nil, instead: "xgraph reads the job id from sbatch"),
        Reserved(long: "dependency", short: "d", instead: "xgraph orders jobs by the graph's inputs"),
        Reserved(long: "kill-on-invalid-dep", short: nil, instead: "xgraph orders jobs by the graph's inputs"),
        Reserved(long: "chdir", short: "D", instead: "xgraph starts each job where the build was started; the step itself runs in the folder of the file that declares it"),
        Reserved(long: "array", short: "a", instead: "xgraph submits one job per node"),
        Reserved(long: "wrap", short: nil, instead: "xgraph writes the job's script from the step's command"),
        Reserved(long: "export", short: nil, instead: "use the step's 'env'"),
        Reserved(long: "requeue", short: nil, instead: "use the step's 'resume' and 'retries'"),
        Reserved(long: "no-requeue", short: nil, instead: "use the step's 'resume' and 'retries'"),
        Reserved(long: "signal", short: nil, instead: "use the profile's 'signal_before_end'"),
        Reserved(long: "gres", short: nil, instead: "use the step's resources: gpus"),
        Reserved(long: "gpus", short: "G", instead: "use the step's resources: gpus"),
        Reserved(long: "cpus-per-task", short: "c", instead: "use the step's resources: cpus"),
        Reserved(long: "mem", short: nil, instead: "use the step's resources: mem"),
        Reserved(long: "time", short: "t", instead: "use the step's resources: time"),
        Reserved(long: "partition", short: "p", instead: "use the profile's 'partition'"),
        Reserved(long: "account", short: "A", instead: "use the profile's 'account'"),
        Reserved(long: "qos", short: "q", instead: "use the profile's 'qos'"),
        Reserved(long: "constraint", short: "C", instead: "use the profile's 'constraint'"),
        Reserved(long: "reservation", short: nil, instead: "use the profile's 'reservation'"),
        Reserved(long: "comment", short: nil, instead: "xgraph keeps it free to say which node a job runs"),
    ]

    /// sbatch's short options that take no value: in `-vJname` the letter after one of these is
    /// another option, after any other letter the rest of the word is that option's value.
    public static let flagLetters: Set<Character> = ["h", "H", "O", "Q", "s", "u", "v", "V", "W"]

    /// The reserved option `word` sets, if any. Long options match exactly or as an abbreviation
    /// (`--part=gpu`: getopt_long takes any unambiguous prefix, and no other sbatch option is a
    /// prefix of a reserved one); short ones alone, with a value (`-pgpu`) or after flags (`-vJx`).
    public static func reservedOption(in word: String) -> Reserved? {
        if word.hasPrefix("--") {
            let name = word.dropFirst(2).prefix { $0 != "=" }
            guard !name.isEmpty else { return nil }
            return reserved.first { $0.long == name } ?? reserved.first { $0.long.hasPrefix(name) }
        }
        guard word.hasPrefix("-") else { return nil }
        for letter in word.dropFirst() {
            if let r = reserved.first(where: { $0.short == letter }) { return r }
            guard flagLetters.contains(letter) else { return nil }
        }
        return nil
    }

    /// Why `word` cannot be one extra sbatch argument, nil when it can: it must be one option
    /// word (value joined with `=`), without control characters, and not a reserved option.
    public static func problem(with word: String) -> String? {
        let shown = "'" + String(word.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : Character($0) }) + "'"
        guard word.hasPrefix("-"), word != "-", word != "--", !word.hasPrefix("--=") else {
            return "sbatch argument \(shown) is not an option; each entry is one option starting with '-', "
                + "its value joined with '=' (--nice=10) or, for a short option, attached (-w node1 as -wnode1)"
        }
        if word.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "sbatch argument \(shown) contains a control character (a newline or tab, shown as ?); "
                + "each entry is one line-free option word"
        }
        if let r = reservedOption(in: word) {
            let spelled = r.short.map { "--\(r.long) (-\($0))" } ?? "--\(r.long)"
            return "sbatch argument \(shown) sets \(spelled), which xgraph writes for every job; \(r.instead)"
        }
        return nil
    }
}
