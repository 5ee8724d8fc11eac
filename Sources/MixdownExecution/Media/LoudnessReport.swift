internal import Foundation
internal import MixdownRecipe

/// Loudness and peaks of one stream, measured by libebur128 to EBU Tech 3341 and 3342.
public struct LoudnessReport: Sendable, Hashable, Codable {
    /// LUFS, gated (ITU-R BS.1770-4); silence reads -120.
    public var integratedLufs: Double
    /// LU (EBU Tech 3342).
    public var loudnessRangeLu: Double
    /// dBTP, from 4x (or more, below 96 kHz) oversampling.
    public var truePeakDbtp: Double
    public var samplePeakDbfs: Double
    /// The loudest 3-second short-term loudness, read every 100 ms.
    public var shortTermMaxLufs: Double
    /// Short-term loudness at the end of every interval, when a curve was asked for.
    public var curve: [Double]?

    public init(
        integratedLufs: Double,
        loudnessRangeLu: Double,
        truePeakDbtp: Double,
        samplePeakDbfs: Double,
        shortTermMaxLufs: Double = -120,
        curve: [Double]? = nil
    ) {
        self.integratedLufs = integratedLufs
        self.loudnessRangeLu = loudnessRangeLu
        self.truePeakDbtp = truePeakDbtp
        self.samplePeakDbfs = samplePeakDbfs
        self.shortTermMaxLufs = shortTermMaxLufs
        self.curve = curve
    }
}

/// Measures a file's first audio stream: ffmpeg decodes it to float PCM on a pipe and libebur128
/// measures that as it arrives.
public struct LoudnessMeter: Sendable {
    public var tools: MediaTools

    public init(tools: MediaTools) {
        self.tools = tools
    }

    public func measure(_ path: String, curveInterval: Double? = nil) async throws -> LoudnessReport {
        let stream = WAVLoudnessStream(curveInterval: curveInterval)
        let outcome = try await ChildProcess.runReadingBytes(
            tools.ffmpeg,
            [
                "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", "-i", path, "-map", "0:a:0", "-map_metadata", "-1", "-fflags",
                "+bitexact",
                "-c:a", "pcm_f32le", "-f", "wav", "pipe:1",
            ],
            consume: { stream.consume($0) }
        )
        guard outcome.succeeded else {
            throw MixdownError(code: .measureFailed, message: "could not measure loudness of \(path): \(outcome.standardErrorTail.last ?? "")")
        }
        return try stream.report()
    }
}
