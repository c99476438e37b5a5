import Foundation
import XGraphCore
import XGraphStore

/// What one `xgraph suggest` expected: the forecast interval then, and after the runs it chose.
/// `xgraph fit --law … --at` shows it next to the interval the fit gives now, so the user sees
/// whether those runs bought what was promised.
public struct SuggestionRecord: Codable, Sendable, Equatable {
    public var metric: String
    public var law: String
    /// The series key as `LawSeriesReport.keyText` writes it.
    public var series: String
    /// The target as written (`data=300M,model=r152`).
    public var target: String
    public var interval: [Double]
    public var expected: [Double]
    public var runs: [String]
    /// ISO 8601.
    public var created: String

    public init(metric: String, law: String, series: String, target: String, interval: [Double], expected: [Double],
                runs: [String], created: String) {
        self.metric = metric; self.law = law; self.series = series; self.target = target
        self.interval = interval; self.expected = expected; self.runs = runs; self.created = created
    }

    var id: [String] { [metric, law, series, target] }
}

/// `<store>/suggestions.json`, beside the results index: the newest suggestion per (metric, law,
/// series, target). Derived, advisory data: a damaged file is read as empty and rewritten.
///
/// Layout: `{"version": 1, "suggestions": [SuggestionRecord…]}`.
/// Version history: * 1: first version.
public struct SuggestionLog: Sendable {
    public static let version = 1
    public let path: String

    public init(store: Store) { path = store.suggestionsPath }

    struct File: Codable { var version: Int; var suggestions: [SuggestionRecord] }

    public func all() -> [SuggestionRecord] {
        guard let data = FileManager.default.contents(atPath: path),
              let file = try? JSONDecoder().decode(File.self, from: data), file.version == Self.version else { return [] }
        return file.suggestions
    }

    /// Replaces the record with the same metric, law, series and target; written to a temporary
    /// file and renamed in, so a reader never sees half of it.
    public func record(_ r: SuggestionRecord) throws {
        var list = all().filter { $0.id != r.id }
        list.append(r)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(File(version: Self.version, suggestions: list))
        let tmp = path + ".tmp-\(getpid())"
        do {
            try data.write(to: URL(fileURLWithPath: tmp))
            guard rename(tmp, path) == 0 else { throw XGraphError.io("cannot rename \(tmp) to \(path): \(String(cString: strerror(errno)))") }
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            throw error
        }
    }

    /// Attaches to each forecast of `report` the suggestion made for it, if any.
    public func annotate(_ report: inout LawFitReport) {
        let records = all()
        guard !records.isEmpty else { return }
        for s in report.series {
            for f in s.fit?.forecasts ?? [] {
                if let r = records.first(where: { $0.id == [report.options.metric, report.options.law.rawValue,
                                                            LawSeriesReport.keyText(s.key), f.at.label] }) {
                    report.suggested[LawSeriesReport.keyText(s.key) + "\n" + f.at.label] = r
                }
            }
        }
    }
}

extension LawSeriesReport {
    /// `model=r152 task=coco`: the key's columns in name order; `(all runs)` for none.
    public static func keyText(_ key: [String: String]) -> String {
        key.isEmpty ? "(all runs)" : key.keys.sorted().map { "\($0)=\(key[$0] ?? "")" }.joined(separator: " ")
    }
}
