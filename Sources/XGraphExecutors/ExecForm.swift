#if canImport(Glibc)
import Glibc
#endif

/// `exec COMMAND` for a command that is one simple command running a program, so that the job's
/// shell becomes that program instead of forking it and waiting.
///
/// dash (Debian's /bin/sh) forks even for the last command of `sh -c`, so every job cost one
/// more process start (a dynamic loader, and CPU-feature probing that traps to the hypervisor
/// on a VM) than running the command by hand: about half of xgraph's cost per short node.
///
/// The check is deliberately narrow; anything it is unsure of runs as written:
/// - outside single quotes only word characters, blanks and `$NAME`/`${NAME}` expansions (no
///   `;`, `&`, `|`, redirections, parentheses, globs, backslashes, double quotes or comments),
///   so the text is one simple command whose expansions mean the same with or without `exec`;
/// - the first word is a literal program name: no assignment (`A=1 cmd`), no expansion, no
///   quotes, and not a word dash treats itself (a reserved word or builtin: `exec cd` or
///   `exec echo` would do something else than `cd` or `echo`).
///
/// What changes for such a command: it has the job's pid (still the process-group leader), and
/// a death by signal is reported as that signal rather than as the shell's exit status 128+N.
enum ExecForm {
    static func of(_ command: String) -> String {
        guard scan(command) != nil else { return command }
        return "exec " + command
    }

    /// The words of a simple program call that has no expansions at all (only literal words
    /// and single-quoted parts, no `$` and no `~`), as sh would pass them to the program; nil
    /// for anything else. Such a command can be started without a shell in between.
    static func literalWords(_ command: String) -> [String]? {
        guard let call = scan(command), !call.expands else { return nil }
        return call.words
    }

    /// One pass over a command that is a simple program call (see the type's comment): its
    /// words with the quotes removed, and whether any part is a `$NAME`/`${NAME}` expansion or
    /// `~` (then the words are not what the program would get); nil for any other command.
    private static func scan(_ command: String) -> (words: [String], expands: Bool)? {
        let bytes = Array(command.utf8)
        var words: [String] = []
        var current: [UInt8] = []
        var inWord = false, expands = false
        var firstWordLiteral = true
        func endWord() { words.append(String(decoding: current, as: UTF8.self)); current = []; inWord = false }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") {
                if inWord { endWord() }
                i += 1
                continue
            }
            inWord = true
            if b == UInt8(ascii: "'") {
                guard let close = bytes[(i + 1)...].firstIndex(of: UInt8(ascii: "'")) else { return nil }
                if words.isEmpty { firstWordLiteral = false }
                current.append(contentsOf: bytes[(i + 1)..<close])
                i = close + 1
            } else if b == UInt8(ascii: "$") {
                guard let end = expansionEnd(bytes, from: i) else { return nil }
                if words.isEmpty { firstWordLiteral = false }
                expands = true
                i = end
            } else if isWordByte(b) {
                if b == UInt8(ascii: "~") { expands = true }
                current.append(b)
                i += 1
            } else {
                return nil
            }
        }
        if inWord { endWord() }
        guard firstWordLiteral, let first = words.first, !first.isEmpty, !first.contains("="),
              !shellWords.contains(first) else { return nil }
        return (words, expands)
    }

    /// The index after `$NAME` or `${NAME}` starting at `start`, nil for any other expansion.
    private static func expansionEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var i = start + 1
        let braced = i < bytes.count && bytes[i] == UInt8(ascii: "{")
        if braced { i += 1 }
        let nameStart = i
        while i < bytes.count, isNameByte(bytes[i], first: i == nameStart) { i += 1 }
        guard i > nameStart else { return nil }
        if braced {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "}") else { return nil }
            i += 1
        }
        return i
    }

    private static func isNameByte(_ b: UInt8, first: Bool) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
            || b == UInt8(ascii: "_") || (!first && b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }

    /// Letters, digits and the punctuation `shellQuote` leaves unquoted (plus `~`, which expands
    /// the same either way).
    private static func isWordByte(_ b: UInt8) -> Bool {
        isNameByte(b, first: false) || "-./=:,+@%~".utf8.contains(b)
    }

    /// dash's reserved words and builtins (`dash -c 'help'` lists none; from dash(1)).
    private static let shellWords: Set<String> = [
        "!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then", "until", "while",
        ".", ":", "[", "alias", "bg", "break", "cd", "chdir", "command", "continue", "echo", "eval", "exec", "exit",
        "export", "false", "fc", "fg", "getopts", "hash", "jobs", "kill", "local", "printf", "pwd", "read", "readonly",
        "return", "set", "shift", "test", "times", "trap", "true", "type", "ulimit", "umask", "unalias", "unset", "wait",
    ]
}

extension ExecForm {
    /// Where sh would find the program `name` (the first word of a command) when it searches
    /// `path` (the job's PATH) from `workingDirectory`; nil if it would not find it, or if the
    /// search is not one this mirrors (no PATH at all), so the caller lets sh decide.
    ///
    /// Like dash: a name with a slash is used as it is (relative to the working directory);
    /// otherwise each PATH entry in order, an empty entry meaning the working directory, and the
    /// first regular file this user may execute wins.
    static func program(_ name: String, path: String?, workingDirectory: String) -> String? {
        func absolute(_ p: String) -> String {
            p.hasPrefix("/") ? p : (workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/") + p
        }
        func runnable(_ p: String) -> Bool {
            var st = stat()
            return stat(p, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG && access(p, X_OK) == 0
        }
        if name.contains("/") {
            let p = absolute(name)
            return runnable(p) ? p : nil
        }
        guard let path else { return nil }
        for entry in path.split(separator: ":", omittingEmptySubsequences: false) {
            let dir = entry.isEmpty ? "." : String(entry)
            let candidate = absolute(dir + "/" + name)
            if runnable(candidate) { return candidate }
        }
        return nil
    }
}
