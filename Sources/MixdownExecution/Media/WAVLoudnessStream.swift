internal import Foundation
internal import MixdownRecipe
internal import Synchronization

/// Measures a WAV stream of 32-bit float PCM (what ffmpeg writes with `-c:a pcm_f32le -f wav pipe:`)
/// as its bytes arrive: the header names the rate and channels, then every whole frame goes to a
/// ``LoudnessAnalyzer``. Partial frames wait for the next read. Nothing else is kept, so memory stays
/// flat however long the stream.
final class WAVLoudnessStream: Sendable {
    /// A header bigger than this is not one ffmpeg wrote.
    static let maximumHeaderBytes = 64 * 1024

    private struct State: ~Copyable {
        var pending: [UInt8] = []
        var analyzer: LoudnessAnalyzer?
        var failure: MixdownError?
        var scratch: [Float] = []
        /// Frames read and thrown away, when not measuring.
        var discarded = 0
    }

    private let state = Mutex(State())
    private let curveInterval: Double?
    private let figures: LoudnessAnalyzer.Figures
    private let measuring: Bool

    /// `measuring: false` reads the stream and throws its audio away (a benchmark's baseline).
    init(curveInterval: Double? = nil, figures: LoudnessAnalyzer.Figures = .all, measuring: Bool = true) {
        self.curveInterval = curveInterval
        self.figures = figures
        self.measuring = measuring
    }

    /// Feeds one read's bytes. After a malformed header the rest is ignored and ``report()`` throws.
    func consume(_ bytes: UnsafeRawBufferPointer) {
        state.withLock { state in
            guard state.failure == nil else { return }
            state.pending.append(contentsOf: bytes)
            if state.analyzer == nil {
                do throws(MixdownError) {
                    guard let (format, dataOffset) = try Self.parseHeader(state.pending) else { return }
                    state.analyzer = try LoudnessAnalyzer(
                        channels: format.channels,
                        sampleRate: format.sampleRate,
                        channelMask: format.channelMask,
                        curveInterval: curveInterval,
                        figures: figures
                    )
                    state.pending.removeFirst(dataOffset)
                } catch {
                    state.failure = error
                    state.pending = []
                    return
                }
            }
            // Each read is measured at once: holding reads back to measure larger batches stalls ffmpeg on
            // the full pipe for longer and was slower.
            Self.measurePending(&state, measuring: measuring)
        }
    }

    /// Measures every whole frame waiting in `pending`.
    private static func measurePending(_ state: inout State, measuring: Bool) {
        guard state.failure == nil, let analyzer = state.analyzer else { return }
        let frameBytes = analyzer.channels * 4
        let whole = state.pending.count / frameBytes * frameBytes
        guard whole > 0 else { return }
        guard measuring else {
            state.discarded += whole / frameBytes
            state.pending.removeFirst(whole)
            return
        }
        let samples = whole / 4
        if state.scratch.count < samples { state.scratch = Array(repeating: 0, count: samples) }
        state.pending.withUnsafeBytes { source in
            state.scratch.withUnsafeMutableBytes { target in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<whole]))
            }
        }
        let added = state.scratch.withUnsafeBufferPointer { scratch -> MixdownError? in
            do throws(MixdownError) {
                try analyzer.add(UnsafeBufferPointer(rebasing: scratch[0..<samples]))
                return nil
            } catch {
                return error
            }
        }
        if let added {
            state.failure = added
            state.pending = []
            return
        }
        state.pending.removeFirst(whole)
    }

    /// Seconds of audio measured so far (for progress; it moves a batch at a time).
    var seconds: Double {
        state.withLock { state in
            guard let analyzer = state.analyzer else { return 0 }
            return analyzer.seconds + Double(state.discarded) / Double(analyzer.sampleRate)
        }
    }

    func report() throws(MixdownError) -> LoudnessReport {
        let result: Result<LoudnessReport, MixdownError> = state.withLock { state in
            // The stream has ended: the last, short batch.
            Self.measurePending(&state, measuring: measuring)
            if let failure = state.failure { return .failure(failure) }
            guard let analyzer = state.analyzer else {
                return .failure(MixdownError(code: .measureFailed, message: "the audio to measure ended before its WAV header"))
            }
            return .success(analyzer.report())
        }
        return try result.get()
    }

    /// The format (with WAVE_FORMAT_EXTENSIBLE's speaker mask, when there is one) and the offset of the
    /// first sample, or nil while the header is still arriving.
    static func parseHeader(
        _ bytes: [UInt8]
    ) throws(MixdownError) -> (format: (channels: Int, sampleRate: Int, channelMask: UInt32?), dataOffset: Int)? {
        func bad(_ why: String) -> MixdownError { MixdownError(code: .measureFailed, message: "the audio to measure is not float WAV: \(why)") }
        func uint32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        func uint16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        guard bytes.count >= 12 else { return nil }
        guard bytes[0..<4].elementsEqual("RIFF".utf8) || bytes[0..<4].elementsEqual("RF64".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else {
            throw bad("no RIFF/WAVE header")
        }
        var offset = 12
        var format: (channels: Int, sampleRate: Int, channelMask: UInt32?)?
        while offset + 8 <= bytes.count {
            let id = bytes[offset..<(offset + 4)]
            let size = uint32(offset + 4)
            if id.elementsEqual("data".utf8) {
                guard let format else { throw bad("the data chunk comes before the format") }
                return (format, offset + 8)
            }
            // Chunks are padded to even sizes.
            let next = offset + 8 + size + (size & 1)
            guard next <= maximumHeaderBytes else { throw bad("a header past \(maximumHeaderBytes) bytes") }
            if id.elementsEqual("fmt ".utf8) {
                guard size >= 16 else { throw bad("a format chunk of \(size) bytes") }
                guard bytes.count >= offset + 8 + size else { return nil }
                var tag = uint16(offset + 8)
                var mask: UInt32?
                // WAVE_FORMAT_EXTENSIBLE keeps the speaker mask after cbSize and valid bits, and the real
                // tag at the start of its sub-format GUID.
                if tag == 0xFFFE, size >= 26 {
                    mask = UInt32(truncatingIfNeeded: uint32(offset + 8 + 20))
                    tag = uint16(offset + 8 + 24)
                }
                let channels = uint16(offset + 10), rate = uint32(offset + 12), bits = uint16(offset + 22)
                guard tag == 3, bits == 32 else { throw bad("format \(tag) with \(bits)-bit samples") }
                format = (channels, rate, mask)
            }
            offset = next
        }
        guard bytes.count < maximumHeaderBytes else { throw bad("no data chunk in \(maximumHeaderBytes) bytes") }
        return nil
    }
}
