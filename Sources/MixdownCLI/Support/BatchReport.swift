internal import Foundation

/// The outcome of `mixdown batch`, written as JSON or JUnit XML.
struct BatchReport: Codable, Sendable {
    struct Entry: Codable, Sendable {
        enum Status: String, Codable, Sendable {
            case passed, failed, skipped
        }

        var file: String
        var name: String
        var status: Status
        var seconds: Double
        var outputs: [String]
        var error: String?
    }

    var entries: [Entry]
    var passed: Int { entries.filter { $0.status == .passed }.count }
    var failed: Int { entries.filter { $0.status == .failed }.count }
    var skipped: Int { entries.filter { $0.status == .skipped }.count }

    private enum CodingKeys: String, CodingKey {
        case entries = "recipes", passed, failed, skipped
    }

    init(entries: [Entry]) {
        self.entries = entries
    }

    init(from decoder: any Decoder) throws {
        entries = try decoder.container(keyedBy: CodingKeys.self).decode([Entry].self, forKey: .entries)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(entries, forKey: .entries)
        try container.encode(passed, forKey: .passed)
        try container.encode(failed, forKey: .failed)
        try container.encode(skipped, forKey: .skipped)
    }

    /// Writes the report as JSON, or as JUnit XML for a path ending in `.xml`, atomically.
    func write(to path: String) throws {
        let data: Data
        if path.hasSuffix(".xml") {
            data = Data(junitXML().utf8)
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            data = try encoder.encode(self)
        }
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// JUnit XML as CI systems read it: one testcase per recipe.
    func junitXML() -> String {
        let total = entries.map(\.seconds).reduce(0, +)
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml +=
            "<testsuite name=\"mixdown-batch\" tests=\"\(entries.count)\" failures=\"\(failed)\" skipped=\"\(skipped)\" time=\"\(String(format: "%.3f", total))\">\n"
        for entry in entries {
            xml +=
                "  <testcase classname=\"mixdown.batch\" name=\"\(escape(entry.name))\" file=\"\(escape(entry.file))\" time=\"\(String(format: "%.3f", entry.seconds))\""
            switch entry.status {
            case .passed: xml += "/>\n"
            case .skipped: xml += ">\n    <skipped message=\"unchanged since the last run\"/>\n  </testcase>\n"
            case .failed:
                let message = entry.error ?? "failed"
                xml +=
                    ">\n    <failure message=\"\(escape(message.components(separatedBy: "\n").first ?? message))\">\(escape(message))</failure>\n  </testcase>\n"
            }
        }
        return xml + "</testsuite>\n"
    }

    /// The summary table printed at the end of a batch.
    func table() -> String {
        let nameWidth = max(6, entries.map(\.name.count).max() ?? 0)
        var lines = ["recipe".padded(nameWidth) + "  status   seconds  outputs"]
        for entry in entries {
            lines.append(
                entry.name.padded(nameWidth) + "  " + entry.status.rawValue.padded(7) + "  " + String(format: "%7.2f", entry.seconds) + "  "
                    + (entry.status == .failed ? (entry.error?.components(separatedBy: "\n").first ?? "") : entry.outputs.joined(separator: ", "))
            )
        }
        lines.append("\(passed) passed, \(failed) failed, \(skipped) skipped")
        return lines.joined(separator: "\n")
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

extension String {
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
