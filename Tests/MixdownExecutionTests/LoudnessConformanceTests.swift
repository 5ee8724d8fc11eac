import Foundation
import MixdownRecipe
import MixdownTestSupport
import Testing

@testable import MixdownExecution

/// The meter against EBU Tech 3341 (loudness, gating, short-term, true peak) and Tech 3342 (loudness
/// range), on the standard's signals generated with lavfi at the documented levels. Each expectation
/// is the standard's tolerance.
@Suite("EBU R 128 conformance")
struct LoudnessConformanceTests {
    /// A 1 kHz sine in every channel, at `segments` of (seconds, dBFS) one after another.
    static func tone(_ segments: [(seconds: Double, dbfs: Double)], channels: Int = 2, gains: [Double]? = nil) -> String {
        var boundaries: [(end: Double, linear: Double)] = []
        var end = 0.0
        for segment in segments {
            end += segment.seconds
            boundaries.append((end, pow(10, segment.dbfs / 20)))
        }
        // if(lt(t,END1),A1,if(lt(t,END2),A2,...,AN)): the amplitude of the segment t falls in.
        var amplitude = "\(boundaries.last?.linear ?? 0)"
        for boundary in boundaries.dropLast().reversed() { amplitude = "if(lt(t,\(boundary.end)),\(boundary.linear),\(amplitude))" }
        let channelExpressions = (0..<channels).map { index in
            "\(gains.map { pow(10, $0[index] / 20) } ?? 1)*(\(amplitude))*sin(2*PI*1000*t)"
        }
        return "aevalsrc=exprs='\(channelExpressions.joined(separator: "|"))':s=48000:d=\(end)"
    }

    static func measure(_ lavfi: String) async throws -> LoudnessReport {
        let directory = try TestMedia.temporaryDirectory("ebu")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("signal.wav").path
        try TestMedia.generate(lavfi, to: path, extra: ["-c:a", "pcm_f32le"])
        return try await TestMedia.loudness(path)
    }

    @Test(
        "Tech 3341 cases 1-5: integrated loudness and gating within 0.1 LU",
        arguments: [
            ([(20.0, -23.0)], -23.0),
            ([(20.0, -33.0)], -33.0),
            ([(10.0, -36.0), (60.0, -23.0), (10.0, -36.0)], -23.0),
            ([(10.0, -72.0), (10.0, -36.0), (60.0, -23.0), (10.0, -36.0), (10.0, -72.0)], -23.0),
            ([(20.0, -26.0), (20.1, -20.0), (20.0, -26.0)], -23.0),
        ]
    )
    func integrated(segments: [(Double, Double)], expected: Double) async throws {
        let report = try await Self.measure(Self.tone(segments.map { (seconds: $0.0, dbfs: $0.1) }))
        #expect(abs(report.integratedLufs - expected) <= 0.1, "measured \(report.integratedLufs) LUFS")
    }

    @Test("Tech 3341 case 6: five channels weighted by position (L, R -28; C -24; Ls, Rs -30 dBFS) read -23.0 LUFS")
    func surround() async throws {
        let report = try await Self.measure(Self.tone([(20, 0)], channels: 5, gains: [-28, -28, -24, -30, -30]))
        #expect(abs(report.integratedLufs - -23) <= 0.1, "measured \(report.integratedLufs) LUFS")
    }

    @Test("Tech 3341 case 9: 1.34 s at -20 and 1.66 s at -30 dBFS, five times over, hold short-term loudness at -23.0 LUFS from 3 s on")
    func shortTerm() async throws {
        let segments = (0..<5).flatMap { _ in [(seconds: 1.34, dbfs: -20.0), (seconds: 1.66, dbfs: -30.0)] }
        let directory = try TestMedia.temporaryDirectory("ebu")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("signal.wav").path
        try TestMedia.generate(Self.tone(segments), to: path, extra: ["-c:a", "pcm_f32le"])
        // Short-term loudness every 100 ms, as the standard asks a meter to update it.
        let report = try await LoudnessMeter(tools: MediaTools.fromEnvironment()).measure(path, curveInterval: 0.1)
        let curve = try #require(report.curve)
        #expect(curve.count == 150)
        let held = curve[29...]
        #expect(held.allSatisfy { abs($0 - -23) <= 0.1 }, "short-term from 3 s: \(held.min() ?? 0) to \(held.max() ?? 0) LUFS")
        #expect(abs(report.shortTermMaxLufs - -23) <= 0.1)
    }

    @Test(
        "Tech 3341 case 10: 3 s at -23 dBFS after 0 to 2.85 s of silence reads a short-term maximum of -23.0 LUFS",
        arguments: 0..<20
    )
    func shortTermMaximum(segment: Int) async throws {
        let lead = Double(segment) * 0.15
        let segments = (lead > 0 ? [(seconds: lead, dbfs: -400.0)] : []) + [(seconds: 3, dbfs: -23), (seconds: 1, dbfs: -400)]
        let report = try await Self.measure(Self.tone(segments))
        #expect(abs(report.shortTermMaxLufs - -23) <= 0.1, "short-term maximum \(report.shortTermMaxLufs) LUFS")
    }

    /// True peak within the standard's +0.2/-0.4 dB of `expected`.
    static func truePeakHolds(_ report: LoudnessReport, _ expected: Double) -> Bool {
        report.truePeakDbtp <= expected + 0.2 && report.truePeakDbtp >= expected - 0.4
    }

    @Test(
        "Tech 3341 cases 15-19: stereo sines at fs/4, fs/6 and fs/8 of 48 kHz read their crest (+0.2/-0.4 dB), between samples too",
        arguments: [
            (12_000.0, 0.5, 0.0), (12_000.0, 0.5, 45.0), (8_000.0, 0.5, 60.0), (6_000.0, 0.5, 67.5),
            // Case 19: 1.41 of full scale, its samples just under 1.0: +3.0 dBTP.
            (12_000.0, 1.41, 45.0),
        ]
    )
    func truePeak(frequency: Double, amplitude: Double, phase: Double) async throws {
        let radians = phase * Double.pi / 180
        let sine = "\(amplitude)*sin(2*PI*\(frequency)*t+\(radians))"
        // With the 10 ms fades the standard gives them: a sine switched on mid-crest is a step, and a step
        // rings in any interpolator.
        let report = try await Self.measure("aevalsrc=exprs='\(sine)|\(sine)':s=48000:d=3.2,afade=t=in:d=0.01,afade=t=out:st=3.19:d=0.01")
        let expected = 20 * log10(amplitude)
        #expect(Self.truePeakHolds(report, expected), "measured \(report.truePeakDbtp) dBTP, expected \(expected)")
        // At 45 degrees and more the crest falls between samples: the sample peak misses it.
        #expect(report.samplePeakDbfs <= report.truePeakDbtp + 0.001)
        if phase > 0 { #expect(report.samplePeakDbfs < expected - 0.5) }
    }

    @Test(
        "Tech 3341 cases 20-23: one period of fs/4 at full scale inside an fs/6 sine, made at 192 kHz and decimated at each of 4 offsets, reads 0.0 dBTP",
        arguments: [(0, -0.13), (1, -0.46), (2, -2.51), (3, -0.46)]
    )
    func truePeakDecimated(offset: Int, samplePeak: Double) async throws {
        // As the standard makes them: synthesised at 4 fs, the burst phase-continuous on both sides (the fs/6
        // sine resumes where it paused), low-passed and decimated to 48 kHz after `offset` samples at 192 kHz.
        let burst = "if(lt(t,1.6),0.5*sin(2*PI*8000*t),if(lt(t,1.6+1/12000),sin(2*PI*12000*(t-1.6)),0.5*sin(2*PI*8000*(t-1/12000))))"
        let report = try await Self.measure(
            "aevalsrc=exprs='\(burst)|\(burst)':s=192000:d=3.2,adelay=delays=\(offset)S:all=1,aresample=48000"
        )
        #expect(Self.truePeakHolds(report, 0), "measured \(report.truePeakDbtp) dBTP")
        // The signal is the standard's: its sample peak is the one EBU's own file of the case has.
        #expect(abs(report.samplePeakDbfs - samplePeak) <= 0.15, "sample peak \(report.samplePeakDbfs) dBFS, EBU's file \(samplePeak)")
    }

    @Test(
        "Tech 3342 cases 1-4: loudness range within 1 LU",
        arguments: [
            ([(20.0, -20.0), (20.0, -30.0)], 10.0),
            ([(20.0, -20.0), (20.0, -15.0)], 5.0),
            ([(20.0, -40.0), (20.0, -20.0)], 20.0),
            ([(20.0, -50.0), (20.0, -35.0), (20.0, -20.0), (20.0, -35.0), (20.0, -50.0)], 15.0),
        ]
    )
    func loudnessRange(segments: [(Double, Double)], expected: Double) async throws {
        let report = try await Self.measure(Self.tone(segments.map { (seconds: $0.0, dbfs: $0.1) }))
        #expect(abs(report.loudnessRangeLu - expected) <= 1, "measured \(report.loudnessRangeLu) LU")
    }

    @Test("a stream fed one byte at a time measures exactly as one fed whole, and the curve has one value per interval")
    func byteAtATime() async throws {
        let directory = try TestMedia.temporaryDirectory("ebu")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("speech.wav").path
        try TestMedia.generate(Self.tone([(2, -30), (2, -18), (2, -24)]), to: path, extra: ["-c:a", "pcm_f32le"])
        // ffmpeg's WAV as a pipe would carry it, with a LIST chunk before the data.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let whole = WAVLoudnessStream(curveInterval: 1), trickled = WAVLoudnessStream(curveInterval: 1)
        bytes.withUnsafeBytes { whole.consume($0) }
        bytes.withUnsafeBytes { raw in
            for index in 0..<raw.count { trickled.consume(UnsafeRawBufferPointer(rebasing: raw[index..<(index + 1)])) }
        }
        let report = try whole.report()
        #expect(try trickled.report() == report)
        #expect(report.curve?.count == 6)
        // Short-term loudness after the loud middle is above its value in the quiet start.
        #expect((report.curve?[3] ?? -120) > (report.curve?[1] ?? 0) + 5)
        #expect(abs(whole.seconds - 6) < 0.001)
    }

    @Test("a meter for a gain or an expect (integrated loudness and peaks only) reads them exactly as the full meter does")
    func levelsOnly() async throws {
        let directory = try TestMedia.temporaryDirectory("ebu")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("signal.wav").path
        try TestMedia.generate(Self.tone([(10, -36), (20, -23), (5, -12), (10, -36)]), to: path, extra: ["-c:a", "pcm_f32le"])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let all = WAVLoudnessStream(), levels = WAVLoudnessStream(figures: .levels)
        bytes.withUnsafeBytes { all.consume($0) }
        bytes.withUnsafeBytes { levels.consume($0) }
        let (full, fast) = (try all.report(), try levels.report())
        #expect(fast.integratedLufs == full.integratedLufs && fast.truePeakDbtp == full.truePeakDbtp && fast.samplePeakDbfs == full.samplePeakDbfs)
        #expect(full.loudnessRangeLu > 5 && full.shortTermMaxLufs > -13)
    }

    @Test("anything but float WAV is refused by name, and a stream that ends inside its header is an error")
    func refusesOtherStreams() throws {
        let text = WAVLoudnessStream()
        Data("not a wav file at all".utf8).withUnsafeBytes { text.consume($0) }
        #expect(throws: MixdownError.self) { try text.report() }
        let empty = WAVLoudnessStream()
        Data("RIFF".utf8).withUnsafeBytes { empty.consume($0) }
        #expect(throws: MixdownError.self) { try empty.report() }
        // 16-bit PCM: a header ffmpeg writes for s16 audio.
        var header = Data("RIFF".utf8) + Data([0, 0, 0, 0]) + Data("WAVEfmt ".utf8) + Data([16, 0, 0, 0])
        header += Data([1, 0, 2, 0, 0x80, 0xBB, 0, 0, 0, 0xEE, 2, 0, 4, 0, 16, 0]) + Data("data".utf8) + Data([0, 0, 0, 0])
        let integer = WAVLoudnessStream()
        header.withUnsafeBytes { integer.consume($0) }
        #expect {
            try integer.report()
        } throws: { error in
            (error as? MixdownError)?.message.contains("16-bit") == true
        }
    }
}

@Suite("Analyze")
struct AnalyzeTests {
    @Test("analyze with a curve writes one short-term value per interval and the short-term maximum, beside the standard's figures")
    func curve() async throws {
        let harness = try ExecutionHarness()
        let outputs = try await harness.run(
            """
            version: 1
            kind: edit
            inputs: { voice: { file: voice.wav } }
            steps:
              - { id: report, from: voice, analyze: { curve: 2 } }
            outputs: { report: { from: report } }
            """
        )
        let report = try JSONDecoder().decode(
            AnalysisDocument.self,
            from: Data(contentsOf: URL(fileURLWithPath: try #require(outputs["report"]).path))
        )
        let curve = try #require(report.loudnessCurve)
        // voice.wav lasts 20 s: a value at 2, 4, ... 20 s.
        #expect(curve.intervalSeconds == 2 && curve.lufs.count == 10)
        #expect(curve.lufs.allSatisfy { $0 <= report.shortTermMaxLufs + 0.001 })
        #expect(report.shortTermMaxLufs >= report.integratedLufs)
        let direct = try await TestMedia.loudness(try TestMedia.path("voice.wav"))
        #expect(abs(report.integratedLufs - direct.integratedLufs) < 0.05)
    }
}
