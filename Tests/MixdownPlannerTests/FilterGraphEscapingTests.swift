import Foundation
import MixdownExecution
import MixdownPlanner
import MixdownTestSupport
import PropertyBased
import Testing

/// Escaped text must reach the filter exactly as written: `ametadata` adds it as a frame tag and
/// prints it back to a file, so the round trip goes through ffmpeg's real graph and option parsers.
@Suite("Filter-graph escaping")
struct FilterGraphEscapingTests {
    static let hostile = [
        "plain", "it's", "a:b=c", "x,y;z", "[in]", "[out];[in]amovie=/etc/passwd[x]", "back\\slash", "%{pts}", "  padded  ",
        "quote ' inside ' twice", "semi;colon", "'", "\\'", "tab\there", "ünïcødé ✓", "100%", "a\\,b", "=start",
    ]

    static func roundTrip(_ text: String) throws -> String? {
        let directory = try TestMedia.temporaryDirectory("escape")
        defer { try? FileManager.default.removeItem(at: directory) }
        let printed = directory.appendingPathComponent("it's: [printed], file.txt").path
        let graph =
            "ametadata=mode=add:key=probe:value=\(FilterGraphEscaping.optionValue(text)),"
            + "ametadata=mode=print:key=probe:file=\(FilterGraphEscaping.optionValue(printed))"
        let status = try Shell.run(
            MediaTools.fromEnvironment().ffmpeg,
            [
                "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "anullsrc=d=0.05", "-filter_complex", graph, "-frames:a", "1",
                "-f", "null", "-",
            ]
        )
        guard status.exitCode == 0 else { return nil }
        let lines = try String(contentsOfFile: printed, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        return lines.first { $0.hasPrefix("probe=") }.map { String($0.dropFirst("probe=".count)) }
    }

    @Test("hostile strings reach the filter unchanged", arguments: hostile)
    func hostileStrings(text: String) throws {
        #expect(try Self.roundTrip(text) == text)
    }

    @Test("random printable strings reach the filter unchanged")
    func randomStrings() async {
        await propertyCheck(count: 25, input: Gen.unicodeScalar(in: " "..."~").array(of: 1...24)) { scalars in
            var text = ""
            text.unicodeScalars.append(contentsOf: scalars)
            #expect((try? Self.roundTrip(text)) == text)
        }
    }
}
