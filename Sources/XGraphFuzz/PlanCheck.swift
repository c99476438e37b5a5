import XGraphCore
import XGraphGraph
import XGraphKeys
import XGraphSpec

/// What planning one input came to. Planning only: the spec loader, expansion and keying, with
/// code and input digests made up, so no command runs and no file but the input is read.
public enum PlanOutcome: Equatable, Sendable {
    case planned
    /// A spec error that names file:line:column.
    case located
    /// Any other error: a user could not tell where the problem is.
    case unlocated(String)

    public static func check(file: String) -> PlanOutcome {
        do {
            let spec = try SpecLoader.load(path: file)
            let graph = try Expander.expand(spec)
            let cache = KeyPartCache()
            for node in graph.nodes {
                if case .source = node.kind { continue }
                let code = Dictionary((node.code + (node.container?.imageFile.map { [$0] } ?? [])).map { ($0, Digest.of($0)) },
                                      uniquingKeysWith: { a, _ in a })
                let inputs = Dictionary(node.inputs.map { ($0.name, Digest.of($0.node)) }, uniquingKeysWith: { a, _ in a })
                _ = try NodeKeyer.key(for: node, codeDigests: code, inputDigests: inputs, builtinVersion: 1, cache: cache)
            }
            return .planned
        } catch XGraphError.spec(_?, _) {
            return .located
        } catch {
            return .unlocated(String(describing: error))
        }
    }
}
