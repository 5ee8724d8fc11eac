import CEBUR128
import CMixdownDSP
import Foundation
import Testing

/// The block-wise true-peak meter is libebur128's interpolator, reorganised: on the same samples it
/// reads the same peak, however the samples are split into calls.
@Suite("True-peak meter")
struct TruePeakMeterTests {
    /// Deterministic noise with bursts, so the peak falls between samples somewhere.
    static func signal(count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count).map { index in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let noise = Float(Int64(bitPattern: state >> 11) % 1_000_000) / 1_000_000
            let tone = sin(Float(index) * 0.9)
            return index % 9000 < 300 ? 0.95 * tone : 0.3 * noise
        }
    }

    static func libebur128(_ samples: [Float], rate: Int) throws -> Double {
        let state = try #require(ebur128_init(1, UInt(rate), Int32(bitPattern: EBUR128_MODE_TRUE_PEAK.rawValue)))
        var pointer: UnsafeMutablePointer<ebur128_state>? = state
        defer { ebur128_destroy(&pointer) }
        samples.withUnsafeBufferPointer { buffer in _ = ebur128_add_frames_float(state, buffer.baseAddress, buffer.count) }
        var value = 0.0
        #expect(ebur128_true_peak(state, 0, &value) == 0)
        return value
    }

    @Test("the same true peak as libebur128 at 44.1, 48, 96 and 192 kHz, in any split of calls", arguments: [44_100, 48_000, 96_000, 192_000])
    func matchesLibebur128(rate: Int) throws {
        let samples = Self.signal(count: 50_000, seed: UInt64(rate))
        let expected = try Self.libebur128(samples, rate: rate)
        for split in [[50_000], [1, 2, 3, 4095, 4097, 8192, 33_610], [7, 13, 49_980]] {
            let meter = try #require(mixdown_true_peak_create(UInt(rate)))
            defer { mixdown_true_peak_destroy(meter) }
            var offset = 0
            samples.withUnsafeBufferPointer { buffer in
                guard let base = buffer.baseAddress else { return }
                for count in split {
                    mixdown_true_peak_add(meter, base + offset, count)
                    offset += count
                }
            }
            #expect(offset == samples.count)
            let measured = mixdown_true_peak_value(meter)
            #expect(abs(measured - expected) <= 1e-5 * expected, "\(rate) Hz, split \(split): \(measured) against \(expected)")
            let samplePeak = Double(samples.map(abs).max() ?? 0)
            #expect(mixdown_sample_peak_value(meter) == samplePeak)
            #expect(measured >= samplePeak)
            if rate < 192_000 { #expect(measured > samplePeak, "the oversampled peak is above the samples' for this signal") }
        }
    }

    /// The block-wise meter's true peak of `samples` fed `chunk` at a time, checked against libebur128's.
    static func matchesLibebur128(_ samples: [Float], rate: Int, chunk: Int) throws -> Double {
        let expected = try libebur128(samples, rate: rate)
        let meter = try #require(mixdown_true_peak_create(UInt(rate)))
        defer { mixdown_true_peak_destroy(meter) }
        samples.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for start in stride(from: 0, to: buffer.count, by: chunk) { mixdown_true_peak_add(meter, base + start, min(chunk, buffer.count - start)) }
        }
        let measured = mixdown_true_peak_value(meter)
        #expect(abs(measured - expected) <= 1e-5 * expected, "\(measured) against \(expected)")
        return measured
    }

    @Test("a crest after quieter and louder-sampled stretches is found: bursts growing louder, each new one the peak", arguments: [44_100, 48_000])
    func skippedBlocksHideNothing(rate: Int) throws {
        // Each burst is a little louder than the last, and its crest falls between samples; between them,
        // long quiet stretches the meter may skip.
        let samples = (0..<200_000).map { index -> Float in
            let level = 0.3 + 0.6 * Float(index) / 200_000
            // Each burst straddles two of the 1,000-sample calls below: its crest needs the previous call's samples.
            return (index + 100) % 20_000 < 200 ? level * sin(Float(index) * 2.2 + 0.7) : 0.05 * sin(Float(index) * 0.01)
        }
        let measured = try Self.matchesLibebur128(samples, rate: rate, chunk: 1000)
        #expect(measured > Double(samples.map(abs).max() ?? 0))
    }

    @Test(
        "a crest between samples quieter than the loudest sample so far is still found (the skipping bound is not too tight)",
        arguments: [44_100, 48_000]
    )
    func crestBelowEarlierSamples(rate: Int) throws {
        // 0.8 at a low frequency first; then fs/4 at 45 degrees, amplitude 1.0: its samples are 0.707, under
        // the 0.8 already met, and its true peak near 1.0 is above it.
        let quarter = Float.pi / 2
        let samples = (0..<60_000).map { index -> Float in
            index < 20_000 ? 0.8 * sin(Float(index) * 0.01) : (index < 20_100 ? 0 : sin(Float(index) * quarter + Float.pi / 4))
        }
        #expect(try Self.matchesLibebur128(samples, rate: rate, chunk: 4096) > 0.9)
    }
}
