internal import Foundation

/// Integrated loudness and peaks as ffmpeg's ebur128 filter reports them in its summary.
public struct LoudnessReport: Sendable, Hashable, Codable {
    /// LUFS; `-inf` parses as -120.
    public var integratedLufs: Double
    public var loudnessRangeLu: Double
    public var truePeakDbtp: Double
    public var samplePeakDbfs: Double

    /// Reads the summary block ebur128 logs at the end of a run.
    public init?(ebur128Summary lines: [String]) {
        guard let start = lines.lastIndex(where: { $0.contains("Summary:") }) else { return nil }
        var section = ""
        var values: [String: Double] = [:]
        for line in lines[start...] {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasSuffix(":") && !trimmed.contains(" ")
                || ["Integrated loudness:", "Loudness range:", "Sample peak:", "True peak:"].contains(trimmed)
            {
                section = trimmed
                continue
            }
            let parts = trimmed.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2 else { continue }
            let key = "\(section)\(parts[0])"
            let text = String(parts[1])
            values[key] = text == "-inf" ? -120 : Double(text)
        }
        guard let integrated = values["Integrated loudness:I:"] else { return nil }
        integratedLufs = integrated
        loudnessRangeLu = values["Loudness range:LRA:"] ?? 0
        truePeakDbtp = values["True peak:Peak:"] ?? values["Sample peak:Peak:"] ?? 0
        samplePeakDbfs = values["Sample peak:Peak:"] ?? truePeakDbtp
    }

    public init(integratedLufs: Double, loudnessRangeLu: Double, truePeakDbtp: Double, samplePeakDbfs: Double) {
        self.integratedLufs = integratedLufs
        self.loudnessRangeLu = loudnessRangeLu
        self.truePeakDbtp = truePeakDbtp
        self.samplePeakDbfs = samplePeakDbfs
    }
}

/// Measures a file's loudness with ffmpeg's ebur128 filter.
public struct LoudnessMeter: Sendable {
    public var tools: MediaTools

    public init(tools: MediaTools) {
        self.tools = tools
    }

    public func measure(_ path: String) async throws -> LoudnessReport {
        let outcome = try await ChildProcess.run(
            tools.ffmpeg,
            [
                "-hide_banner", "-nostdin", "-nostats", "-i", path, "-map", "0:a:0", "-af", "ebur128=peak=true+sample:framelog=verbose", "-f", "null",
                "-",
            ],
            keepStandardErrorAfter: "Summary:"
        )
        guard outcome.succeeded, let report = LoudnessReport(ebur128Summary: outcome.standardErrorTail) else {
            throw ExecutionError(code: "measure-failed", message: "could not measure loudness of \(path): \(outcome.standardErrorTail.last ?? "")")
        }
        return report
    }
}
