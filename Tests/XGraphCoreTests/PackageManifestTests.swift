import Foundation
import XCTest

/// Package.swift must list, for every target, each module it imports and nothing it does not
/// (SwiftPM recompiles a target only when a listed dependency changes, and a module imported but
/// not listed once kept an old constant after an incremental build); and docs/architecture.md's
/// module table must say what Package.swift says. SwiftPM's own import check
/// (`--explicit-target-dependency-import-check`) reports nothing on Linux, so this test reads the
/// manifest and the `import` lines itself.
final class PackageManifestTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    struct Target {
        var name: String
        var kind: String
        var path: String?
        var dependencies: Set<String>
    }

    /// The targets of Package.swift: `.target(name: "X", dependencies: [...], path: "...")` and the
    /// like, dependencies as target names and product names.
    static func targets() throws -> [Target] {
        let text = try String(contentsOfFile: root + "/Package.swift", encoding: .utf8)
        let scalars = Array(text.unicodeScalars)
        var out: [Target] = []
        var i = 0
        let kinds = ["target", "executableTarget", "testTarget", "systemLibrary"]
        while i < scalars.count {
            guard scalars[i] == ".", let kind = kinds.first(where: { k in
                let word = Array((k + "(").unicodeScalars)
                return i + 1 + word.count <= scalars.count && Array(scalars[(i + 1)..<(i + 1 + word.count)]) == word
            }) else { i += 1; continue }
            // The call's text, to its closing parenthesis.
            var depth = 0, j = i + 1 + kind.count
            var call = ""
            repeat {
                let c = scalars[j]
                if c == "(" || c == "[" { depth += 1 }
                if c == ")" || c == "]" { depth -= 1 }
                call.unicodeScalars.append(c)
                j += 1
            } while depth > 0 && j < scalars.count
            i = j
            func strings(after label: String) -> [String] {
                guard let r = call.range(of: label) else { return [] }
                var rest = call[r.upperBound...]
                if label.hasSuffix("[") {
                    var d = 1, end = rest.startIndex
                    while end < rest.endIndex && d > 0 {
                        if rest[end] == "[" { d += 1 }
                        if rest[end] == "]" { d -= 1 }
                        end = rest.index(after: end)
                    }
                    rest = rest[..<end]
                }
                // Products as `.product(name: "P", package: ...)`: the product's name only.
                let cleaned = rest.replacingOccurrences(of: #"package: "[^"]*""#, with: "", options: .regularExpression)
                return cleaned.split(separator: "\"", omittingEmptySubsequences: false).enumerated()
                    .filter { $0.offset % 2 == 1 }.map { String($0.element) }
            }
            guard let name = strings(after: "name:").first else { continue }
            let path = call.range(of: "path:").flatMap { _ in strings(after: "path:").first }
            out.append(Target(name: name, kind: kind, path: path, dependencies: Set(strings(after: "dependencies: ["))))
        }
        return out
    }

    /// The modules a target's sources import.
    static func imports(of target: Target) -> Set<String> {
        let dir = root + "/" + (target.path ?? (target.kind == "testTarget" ? "Tests/" : "Sources/") + target.name)
        var out = Set<String>()
        for file in FileManager.default.enumerator(atPath: dir)?.compactMap({ $0 as? String }) ?? [] where file.hasSuffix(".swift") {
            guard let text = try? String(contentsOfFile: dir + "/" + file, encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                let words = line.split(separator: " ").map(String.init)
                guard let at = words.firstIndex(of: "import"), at + 1 < words.count,
                      words[..<at].allSatisfy({ $0.hasPrefix("@") || $0 == "public" || $0 == "internal" }) else { continue }
                out.insert(String(words[at + 1].split(separator: ".").first ?? ""))
            }
        }
        return out
    }

    /// Dependencies a target needs built but does not import: the CLI tests run these programs,
    /// and the builder's tests run `xgraph-train` for the quickstart's builtin step.
    static let builtNotImported: [String: Set<String>] = ["CLITests": ["xgraph", "xgraph-train"],
                                                         "XGraphBuildTests": ["xgraph-train"]]

    func testEveryTargetListsExactlyTheModulesItImports() throws {
        let targets = try Self.targets()
        XCTAssertGreaterThan(targets.count, 20, "the manifest was read")
        let products: Set<String> = ["ArgumentParser", "Yams", "GRDB", "Subprocess"]
        let ours = Set(targets.map(\.name)).union(products)
        for t in targets where t.kind != "systemLibrary" {
            let imported = Self.imports(of: t).intersection(ours).subtracting([t.name])
            let declared = t.dependencies
            XCTAssertEqual(imported.subtracting(declared).sorted(), [], "\(t.name) imports these without listing them in Package.swift")
            let unused = declared.subtracting(imported).subtracting(Self.builtNotImported[t.name] ?? [])
            XCTAssertEqual(unused.sorted(), [], "\(t.name) lists these in Package.swift but imports none of them")
        }
    }

    /// Each row of docs/architecture.md's module table names the target's own dependencies
    /// (XGraph modules by their short name, C libraries and packages left out).
    func testTheArchitectureTableSaysWhatPackageSwiftSays() throws {
        let targets = Dictionary(try Self.targets().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let doc = try String(contentsOfFile: Self.root + "/docs/architecture.md", encoding: .utf8)
        var rows = 0
        for line in doc.split(separator: "\n") where line.hasPrefix("| `") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4 else { continue }
            let names = cells[1].split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " `")) }
            for name in names {
                guard let t = targets[name] else { XCTFail("architecture.md names '\(name)', which Package.swift does not have"); continue }
                rows += 1
                let expected = Set(t.dependencies.filter { $0.hasPrefix("XGraph") }.map { String($0.dropFirst(6)) })
                let listed = cells[3] == "—" || cells[3] == "none" ? Set<String>()
                    : Set(cells[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
                XCTAssertEqual(listed.sorted(), expected.sorted(), "architecture.md's row for \(name)")
            }
        }
        let documented = Set(targets.values.filter { $0.kind == "target" || $0.kind == "executableTarget" }.map(\.name))
            .subtracting(["SpecFixtures"])
        XCTAssertEqual(rows, documented.count, "every library and program target has a row")
    }
}
