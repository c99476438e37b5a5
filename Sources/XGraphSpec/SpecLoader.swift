import Foundation
import XGraphCore
import Yams

/// Reads an experiment file and the files it includes into a validated `Spec`.
/// Every problem is an `XGraphError.spec` naming file, line and column and what would be valid.
public enum SpecLoader {
    static let topLevelKeys = ["include", "datasets", "subsets", "models", "tasks", "axes", "steps", "executor", "container", "remote"]
    /// The top-level keys that hold named declarations.
    static let sections = ["datasets", "subsets", "models", "tasks", "axes", "steps"]

    public static func load(path: String) throws -> Spec {
        try load(path: path, reading: { FileManager.default.contents(atPath: $0) })
    }

    /// Loads with the files' bytes from `read` (absolute path → bytes, nil when there is no
    /// such file) instead of the disk: `xgraph diff FILE A B` loads the experiment file, and the
    /// files it includes, as they were at a commit, at the paths where that build read them.
    public static func load(path: String, reading read: (String) -> Data?) throws -> Spec {
        let file = absolutePath(path, relativeTo: FileManager.default.currentDirectoryPath)
        var collected = Collected()
        try collect(file: file, from: nil, chain: [], read: read, into: &collected)
        var builder = SpecBuilder(collected: collected)
        return try builder.build(rootFile: file)
    }

    /// One declaration as found in some file, parsed once every file has been read (a step
    /// may name a model declared in a file included later).
    struct Declaration {
        var reader: YAMLReader
        var entry: YAMLReader.Entry
    }

    struct Collected {
        var files: [String] = []
        var sections: [String: [Declaration]] = [:]
        /// name → where it was first declared, per section, for duplicate errors.
        var seen: [String: [String: SourceLocation]] = [:]
        /// The one `executor:` entry of all the files, parsed with the declarations.
        var executor: Declaration?
        /// The one file-level `container:` entry of all the files, like `executor:`.
        var container: Declaration?
        /// The one `remote:` entry of all the files (docs/remote.md).
        var remote: Declaration?
    }

    private static func collect(file: String, from includeSite: SourceLocation?, chain: [String],
                                read: (String) -> Data?, into collected: inout Collected) throws {
        if let i = chain.firstIndex(of: file) {
            let cycle = (chain[i...] + [file]).map { ($0 as NSString).lastPathComponent }.joined(separator: " → ")
            throw XGraphError.spec(includeSite, "include cycle: \(cycle)")
        }
        // A file reached twice through different includes (a diamond) is read once.
        if collected.files.contains(file) { return }
        collected.files.append(file)

        guard let data = read(file) else {
            let why = FileManager.default.fileExists(atPath: file) ? "cannot be read" : "does not exist"
            if let includeSite {
                throw XGraphError.spec(includeSite, "included file '\(file)' \(why)")
            }
            throw XGraphError.spec(nil, "\(file): experiment file \(why)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw XGraphError.spec(SourceLocation(file: file, line: 1, column: 1), "the file is not UTF-8 text")
        }
        let reader = YAMLReader(file: file)
        let root = try compose(text, file: file)
        guard let root, !reader.isNull(root) else {
            throw XGraphError.spec(SourceLocation(file: file, line: 1, column: 1),
                                   "the experiment file is empty; expected a mapping with keys: "
                                   + topLevelKeys.joined(separator: ", "))
        }
        let top = try reader.mapping(root, "the experiment file", validKeys: topLevelKeys)

        if let inc = top["include"] {
            let dir = (file as NSString).deletingLastPathComponent
            for item in try reader.sequenceOrScalar(inc.value, "include") {
                let p = try reader.path(item, "include")
                try collect(file: absolutePath(p, relativeTo: dir), from: reader.location(item),
                            chain: chain + [file], read: read, into: &collected)
            }
        }
        if let ex = top["executor"] {
            // Like a name, the executor may be set in any one file (a shared cluster.yaml), but
            // only once: two files that disagree have no order that would make either win.
            if let first = collected.executor {
                throw XGraphError.spec(reader.location(ex.keyNode), "'executor' is set twice: here and at "
                    + "\(first.reader.location(first.entry.keyNode)); set it once, in the experiment file or in one file it includes")
            }
            collected.executor = Declaration(reader: reader, entry: ex)
        }
        if let c = top["container"] {
            if let first = collected.container {
                throw XGraphError.spec(reader.location(c.keyNode), "'container' is set twice at file level: here and at "
                    + "\(first.reader.location(first.entry.keyNode)); set it once, or give the steps that differ their own 'container:'")
            }
            collected.container = Declaration(reader: reader, entry: c)
        }
        if let rem = top["remote"] {
            if let first = collected.remote {
                throw XGraphError.spec(reader.location(rem.keyNode), "'remote' is set twice: here and at "
                    + "\(first.reader.location(first.entry.keyNode)); set it once, in the experiment file or in one file it includes")
            }
            collected.remote = Declaration(reader: reader, entry: rem)
        }
        for section in sections {
            guard let sec = top[section], !reader.isNull(sec.value) else { continue }
            for entry in try reader.mapping(sec.value, "'\(section)'") {
                let here = reader.location(entry.keyNode)
                if let first = collected.seen[section]?[entry.key] {
                    throw XGraphError.spec(here, "\(singular(section)) '\(entry.key)' is defined twice: "
                        + "here and at \(first); each name may be declared once")
                }
                collected.seen[section, default: [:]][entry.key] = here
                collected.sections[section, default: []].append(Declaration(reader: reader, entry: entry))
            }
        }
    }

    static func singular(_ section: String) -> String {
        switch section {
        case "datasets": return "dataset"
        case "subsets": return "subset"
        case "models": return "model"
        case "tasks": return "task"
        case "axes": return "axis"
        default: return "step"
        }
    }

    /// Parses YAML into a node tree, turning Yams' errors into located spec errors.
    private static func compose(_ text: String, file: String) throws -> Yams.Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch let e as YamlError {
            throw syntaxError(e, file: file, text: text)
        }
    }

    static func syntaxError(_ e: YamlError, file: String, text: String) -> XGraphError {
        func at(_ m: Mark) -> SourceLocation { SourceLocation(file: file, line: m.line, column: m.column) }
        func context(_ c: YamlError.Context?) -> String {
            c.map { " (\($0.text) at line \($0.mark.line), column \($0.mark.column))" } ?? ""
        }
        switch e {
        case .scanner(let c, let problem, let mark, _), .parser(let c, let problem, let mark, _),
             .composer(let c, let problem, let mark, _):
            return .spec(at(mark), "YAML syntax error: \(problem)\(context(c))")
        case .duplicatedKeysInMapping(let dups, let c):
            return .spec(at(c.mark), "duplicate key \(NameSuggestions.list(dups)) in one mapping; each key may appear once")
        case .reader(let problem, let offset, _, _):
            var line = 1, column = 1
            if let offset {
                for b in text.utf8.prefix(offset) {
                    if b == UInt8(ascii: "\n") { line += 1; column = 1 } else { column += 1 }
                }
            }
            return .spec(SourceLocation(file: file, line: line, column: column), "unreadable YAML: \(problem)")
        default:
            return .spec(SourceLocation(file: file, line: 1, column: 1), "YAML error: \(e)")
        }
    }

    static func absolutePath(_ p: String, relativeTo dir: String) -> String {
        let joined = p.hasPrefix("/") ? p : (dir as NSString).appendingPathComponent(p)
        return (joined as NSString).standardizingPath
    }
}
