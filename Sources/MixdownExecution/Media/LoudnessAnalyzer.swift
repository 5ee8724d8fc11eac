internal import CEBUR128
internal import CMixdownDSP
internal import Dispatch
internal import Foundation
internal import MixdownRecipe

/// An EBU R 128 meter (libebur128) fed interleaved float frames as they stream past: integrated
/// loudness, loudness range, the short-term maximum, sample and true peak, and optionally the
/// short-term loudness every `curveInterval` seconds.
///
/// True peak is measured by ``mixdown_true_peak`` (CMixdownDSP), the same interpolator as libebur128's
/// computed a polyphase branch at a time: libebur128's own cost about five times its gated loudness.
/// Each channel's true peak is independent, so the loudness meter and the channels' peak meters run
/// side by side on the machine's cores, chunk by chunk.
///
/// Not thread-safe: one stream owns it (``WAVLoudnessStream`` keeps it behind a lock).
final class LoudnessAnalyzer {
    /// Short-term loudness is read every 100 ms, the update rate EBU Tech 3341 asks of a meter.
    static let shortTermStep = 0.1

    /// What a meter measures.
    enum Figures: Sendable {
        /// Everything `analyze` reports.
        case all
        /// Integrated loudness, sample and true peak: what a gain and an `expect` read. Loudness range and
        /// short-term loudness cost most of libebur128's time (each sums a 3 s window every 100 ms), so
        /// they are left out; the report reads 0 LU and -120 LUFS for them. Such a meter reads beside
        /// ffmpeg processes that want the cores, so it measures on the reading thread: spreading each
        /// 64 KiB pipe read over other threads cost more CPU than measuring it.
        case levels
    }

    let channels: Int
    let sampleRate: Int
    /// Gated loudness, range and short-term loudness, over all channels.
    private let state: UnsafeMutablePointer<ebur128_state>
    /// Sample and true peak, one meter per channel.
    private let truePeaks: [OpaquePointer]
    /// One chunk's samples, channel after channel, for the true-peak meters.
    private var planar: [Float] = []
    private let shortTermFrames: Int
    private let curveFrames: Int?
    private var frames = 0
    private var nextShortTerm: Int
    private var nextCurve: Int
    private var shortTermMaximum = -Double.infinity
    private var curve: [Double] = []
    /// Whether each chunk's channels are measured on several cores at once (`analyze`, where the meter is
    /// the whole stage and the wall time is what counts).
    private let parallel: Bool

    /// `channelMask`: WAVE_FORMAT_EXTENSIBLE's speaker bits, one per channel in order; without one,
    /// libebur128's default map (L, R, C, LFE unused, Ls, Rs) applies.
    init(channels: Int, sampleRate: Int, channelMask: UInt32? = nil, curveInterval: Double? = nil, figures: Figures = .all) throws(MixdownError) {
        guard (1...64).contains(channels), (1_000...768_000).contains(sampleRate) else {
            throw MixdownError(code: .measureFailed, message: "cannot measure \(channels) channel(s) at \(sampleRate) Hz")
        }
        let failure = MixdownError(
            code: .measureFailed,
            message: "libebur128 could not start a meter for \(channels) channel(s) at \(sampleRate) Hz"
        )
        let mode =
            figures == .all ? EBUR128_MODE_I.rawValue | EBUR128_MODE_LRA.rawValue | EBUR128_MODE_S.rawValue : EBUR128_MODE_I.rawValue
        guard let state = ebur128_init(UInt32(channels), UInt(sampleRate), Int32(bitPattern: mode)) else { throw failure }
        var truePeaks: [OpaquePointer] = []
        for _ in 0..<channels {
            guard let meter = mixdown_true_peak_create(UInt(sampleRate)) else {
                for made in truePeaks { mixdown_true_peak_destroy(made) }
                var pointer: UnsafeMutablePointer<ebur128_state>? = state
                ebur128_destroy(&pointer)
                throw failure
            }
            truePeaks.append(meter)
        }
        self.state = state
        self.truePeaks = truePeaks
        if let channelMask, channelMask != 0 {
            var channel: UInt32 = 0
            for bit in 0..<32 where channelMask & (1 << bit) != 0 && channel < channels {
                ebur128_set_channel(state, channel, Int32(Self.weighting(speakerBit: bit).rawValue))
                channel += 1
            }
            // Channels the mask does not name carry no known position: not counted.
            while channel < channels {
                ebur128_set_channel(state, channel, Int32(EBUR128_UNUSED.rawValue))
                channel += 1
            }
        }
        self.channels = channels
        self.sampleRate = sampleRate
        parallel = figures == .all
        shortTermFrames = max(1, Int((Double(sampleRate) * Self.shortTermStep).rounded()))
        curveFrames = curveInterval.map { max(1, Int((Double(sampleRate) * $0).rounded())) }
        nextShortTerm = figures == .all ? shortTermFrames : Int.max
        nextCurve = figures == .all ? curveFrames ?? Int.max : Int.max
    }

    /// BS.1770-4's weighting for a WAVE speaker bit, as ffmpeg's ebur128 filter applies it: front
    /// channels 1.0, every side, back and back-height channel 1.41 (surround), LFE not counted.
    static func weighting(speakerBit bit: Int) -> channel {
        switch bit {
        case 0, 6: EBUR128_LEFT  // front left, front left of centre
        case 1, 7: EBUR128_RIGHT  // front right, front right of centre
        case 2: EBUR128_CENTER
        case 3: EBUR128_UNUSED  // LFE
        case 4, 9, 8, 15, 16: EBUR128_LEFT_SURROUND  // back left, side left, back centre, top back left/centre
        case 5, 10, 17: EBUR128_RIGHT_SURROUND  // back right, side right, top back right
        case 11: EBUR128_Up000  // top centre
        case 12: EBUR128_Up030  // top front left
        case 13: EBUR128_Up000  // top front centre
        case 14: EBUR128_Um030  // top front right
        default: EBUR128_UNUSED
        }
    }

    deinit {
        for meter in truePeaks { mixdown_true_peak_destroy(meter) }
        var pointer: UnsafeMutablePointer<ebur128_state>? = state
        ebur128_destroy(&pointer)
    }

    /// Adds whole frames (`samples.count` is a multiple of `channels`). NaN or infinity is no level at
    /// all (measured, it would read as silence and steer a gain): such a chunk is refused, unmeasured.
    func add(_ samples: UnsafeBufferPointer<Float>) throws(MixdownError) {
        guard let base = samples.baseAddress else { return }
        let total = samples.count / channels
        guard total > 0 else { return }
        if planar.count < total * channels { planar = Array(repeating: 0, count: total * channels) }
        let channels = self.channels
        let finite = planar.withUnsafeMutableBufferPointer { planes in
            guard let target = planes.baseAddress else { return false }
            return mixdown_deinterleave_finite(base, target, total, channels) == 0
        }
        guard finite else { throw MixdownError(code: .measureFailed, message: "the audio to measure holds NaN or infinite samples") }
        planar.withUnsafeBufferPointer { planes in
            guard let source = planes.baseAddress else { return }
            let work = ChunkWork(analyzer: self, interleaved: base, planes: source, truePeaks: truePeaks, frames: total)
            if parallel {
                DispatchQueue.concurrentPerform(iterations: channels + 1) { index in work.run(index) }
            } else {
                for index in 0...channels { work.run(index) }
            }
        }
    }

    /// One chunk's parallel pass. Each iteration touches only its own meter and, for true peak, its own
    /// plane; `concurrentPerform` returns when every iteration has, so no pointer outlives the call.
    private struct ChunkWork: @unchecked Sendable {
        let analyzer: LoudnessAnalyzer
        let interleaved: UnsafePointer<Float>
        let planes: UnsafePointer<Float>
        let truePeaks: [OpaquePointer]
        let frames: Int

        func run(_ index: Int) {
            if index == truePeaks.count {
                analyzer.addLoudness(interleaved, frames: frames)
            } else {
                mixdown_true_peak_add(truePeaks[index], planes + index * frames, frames)
            }
        }
    }

    fileprivate func addLoudness(_ base: UnsafePointer<Float>, frames total: Int) {
        var offset = 0
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
        if nextShortTerm != Int.max { ebur128_loudness_range(state, &range) }
        var samplePeak = 0.0, truePeak = 0.0
        for channel in 0..<channels {
            samplePeak = max(samplePeak, mixdown_sample_peak_value(truePeaks[channel]))
            truePeak = max(truePeak, mixdown_true_peak_value(truePeaks[channel]))
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

    /// A peak so large it overflows (a float file near its maximum) is the loudest level, not silence.
    static func decibels(_ linear: Double) -> Double {
        guard linear > 0 else { return -120 }
        let value = 20 * log10(linear)
        return value.isFinite ? max(value, -120) : 1000
    }
    static func finite(_ value: Double) -> Double { value.isFinite ? max(value, -120) : -120 }
}
