internal import CEBUR128
internal import Foundation

/// An EBU R 128 meter (libebur128) fed interleaved float frames as they stream past: integrated
/// loudness, loudness range, the short-term maximum, sample and true peak, and optionally the
/// short-term loudness every `curveInterval` seconds.
///
/// Not thread-safe: one stream owns it (``WAVLoudnessStream`` keeps it behind a lock).
final class LoudnessAnalyzer {
    /// Short-term loudness is read every 100 ms, the update rate EBU Tech 3341 asks of a meter.
    static let shortTermStep = 0.1

    let channels: Int
    let sampleRate: Int
    private let state: UnsafeMutablePointer<ebur128_state>
    private let shortTermFrames: Int
    private let curveFrames: Int?
    private var frames = 0
    private var nextShortTerm: Int
    private var nextCurve: Int
    private var shortTermMaximum = -Double.infinity
    private var curve: [Double] = []

    init(channels: Int, sampleRate: Int, curveInterval: Double? = nil) throws(ExecutionError) {
        guard (1...64).contains(channels), (1_000...768_000).contains(sampleRate) else {
            throw ExecutionError(code: "measure-failed", message: "cannot measure \(channels) channel(s) at \(sampleRate) Hz")
        }
        let mode = EBUR128_MODE_I.rawValue | EBUR128_MODE_LRA.rawValue | EBUR128_MODE_S.rawValue | EBUR128_MODE_TRUE_PEAK.rawValue
        guard let state = ebur128_init(UInt32(channels), UInt(sampleRate), Int32(bitPattern: mode)) else {
            throw ExecutionError(code: "measure-failed", message: "libebur128 could not start a meter for \(channels) channel(s) at \(sampleRate) Hz")
        }
        self.state = state
        self.channels = channels
        self.sampleRate = sampleRate
        shortTermFrames = max(1, Int((Double(sampleRate) * Self.shortTermStep).rounded()))
        curveFrames = curveInterval.map { max(1, Int((Double(sampleRate) * $0).rounded())) }
        nextShortTerm = shortTermFrames
        nextCurve = curveFrames ?? Int.max
    }

    deinit {
        var pointer: UnsafeMutablePointer<ebur128_state>? = state
        ebur128_destroy(&pointer)
    }

    /// Adds `count` whole frames (`count * channels` samples).
    func add(_ samples: UnsafeBufferPointer<Float>) {
        guard let base = samples.baseAddress else { return }
        var offset = 0
        let total = samples.count / channels
        while offset < total {
            // Stop at each 100 ms and curve boundary to read the short-term loudness there.
            let boundary = min(nextShortTerm, nextCurve)
            let take = min(total - offset, boundary - frames)
            ebur128_add_frames_float(state, base + offset * channels, take)
            offset += take
            frames += take
            if frames == nextShortTerm {
                shortTermMaximum = max(shortTermMaximum, shortTerm())
                nextShortTerm += shortTermFrames
            }
            if frames == nextCurve, let curveFrames {
                curve.append(Self.finite(shortTerm()))
                nextCurve += curveFrames
            }
        }
    }

    private func shortTerm() -> Double {
        var value = -Double.infinity
        ebur128_loudness_shortterm(state, &value)
        return value
    }

    var seconds: Double { Double(frames) / Double(sampleRate) }

    /// The measurement so far; -inf levels (silence) read as -120, as ffmpeg prints them.
    func report() -> LoudnessReport {
        var integrated = -Double.infinity, range = 0.0
        ebur128_loudness_global(state, &integrated)
        ebur128_loudness_range(state, &range)
        var samplePeak = 0.0, truePeak = 0.0
        for channel in 0..<channels {
            var value = 0.0
            if ebur128_sample_peak(state, UInt32(channel), &value) == 0 { samplePeak = max(samplePeak, value) }
            if ebur128_true_peak(state, UInt32(channel), &value) == 0 { truePeak = max(truePeak, value) }
        }
        return LoudnessReport(
            integratedLufs: Self.finite(integrated),
            loudnessRangeLu: range.isFinite ? range : 0,
            truePeakDbtp: Self.decibels(truePeak),
            samplePeakDbfs: Self.decibels(samplePeak),
            shortTermMaxLufs: Self.finite(shortTermMaximum),
            curve: curveFrames == nil ? nil : curve
        )
    }

    static func decibels(_ linear: Double) -> Double { linear > 0 ? finite(20 * log10(linear)) : -120 }
    static func finite(_ value: Double) -> Double { value.isFinite ? max(value, -120) : -120 }
}
