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

    @Test("Tech 3341 case 9: 1.34 s at -20 and 1.66 s at -30 dBFS, repeated, hold short-term loudness at -23.0 LUFS")
    func shortTerm() async throws {
        let segments = (0..<20).flatMap { _ in [(seconds: 1.34, dbfs: -20.0), (seconds: 1.66, dbfs: -30.0)] }
        let report = try await Self.measure(Self.tone(segments))
        #expect(abs(report.shortTermMaxLufs - -23) <= 0.1, "short-term maximum \(report.shortTermMaxLufs) LUFS")
    }

    @Test(
        "Tech 3341 cases 15-18: a 12 kHz sine of amplitude 0.5 at 48 kHz reads -6.02 dBTP (+0.2/-0.4) at any phase",
        arguments: [0.0, 45.0, 60.0, 67.5]
    )
    func truePeak(phase: Double) async throws {
        let radians = phase * Double.pi / 180
        let report = try await Self.measure("aevalsrc=exprs='0.5*sin(2*PI*12000*t+\(radians))':s=48000:d=5")
        let expected = 20 * log10(0.5)
        #expect(report.truePeakDbtp <= expected + 0.2 && report.truePeakDbtp >= expected - 0.4, "measured \(report.truePeakDbtp) dBTP")
        // The sample peak misses the crest between samples at 45 degrees and more: only true peak finds it.
        #expect(report.samplePeakDbfs <= report.truePeakDbtp + 0.001)
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
