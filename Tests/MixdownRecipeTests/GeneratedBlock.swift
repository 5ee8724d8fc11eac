import Foundation
import Testing

/// The text a repository file carries between `<!-- BEGIN NAME -->` and `<!-- END NAME -->`: the blocks
/// generated from the code (`mixdown ops --markdown`, `mixdown errors --markdown`) that tests compare.
enum GeneratedBlock {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func read(_ file: String, _ name: String) throws -> String {
        let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
        let begin = try #require(text.range(of: "<!-- BEGIN \(name) -->"), "\(file) has no BEGIN \(name) marker")
        let end = try #require(text.range(of: "<!-- END \(name) -->"), "\(file) has no END \(name) marker")
        return text[begin.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
