import Foundation
import MixdownExecution
import MixdownPlanner
import MixdownRecipe
import MixdownTestSupport
import Testing

/// What a hostile review found in measuring: shared sources, long tags, surround maps, non-finite samples.
@Suite("Measurement edges")
struct MeasurementEdgeTests {
    @Test("one master normalised to two targets is measured once and lands on both")
    func twoTargetsOneSource() async throws {
        let harness = try ExecutionHarness()
        let outputs = try await harness.run(
            """
            version: 1
            kind: edit
            inputs: { voice: { file: voice.wav } }
            steps:
              - { id: master, from: voice, highpass: 80 }
              - { id: web, from: master, loudnorm: { target: -16 } }
              - { id: broadcast, from: master, loudnorm: { target: -23 } }
              - { id: peak, from: master, normalize: { peak: -3 } }
            outputs:
              web: { from: web, format: wav }
              broadcast: { from: broadcast, format: wav }
              peak: { from: peak, format: wav }
            """
        )
        let web = try await TestMedia.loudness(try #require(outputs["web"]).path)
        let broadcast = try await TestMedia.loudness(try #require(outputs["broadcast"]).path)
        let peak = try await TestMedia.loudness(try #require(outputs["peak"]).path)
        #expect(
            abs(web.integratedLufs + 16) <= 0.5 && abs(broadcast.integratedLufs + 23) <= 0.5,
            "\(web.integratedLufs), \(broadcast.integratedLufs)"
        )
        #expect(abs(peak.samplePeakDbfs + 3) <= 0.1, "\(peak.samplePeakDbfs)")
    }

    @Test("a file with 40 KB of tags is measured (the meter's WAV carries no tags)")
    func longTags() async throws {
        let harness = try ExecutionHarness()
        let path = harness.directory.appendingPathComponent("tagged.flac").path
        try TestMedia.generate("sine=f=440:d=4", to: path, extra: ["-metadata", "comment=" + String(repeating: "show notes ", count: 4_000)])
        let direct = try await TestMedia.loudness(path)
        #expect(direct.integratedLufs > -30)
        let outputs = try await harness.run(
            """
            version: 1
            kind: edit
            inputs: { a: { file: tagged.flac } }
            steps:
              - { id: level, from: a, loudnorm: { target: -20 } }
            outputs: { out: { from: level, format: wav } }
            """
        )
        #expect(abs(try await TestMedia.loudness(try #require(outputs["out"]).path).integratedLufs + 20) <= 0.5)
    }

    @Test("7.1 is weighted by position: side channels count as surround (+1.5 dB), the LFE not at all")
    func surroundMap() async throws {
        let directory = try TestMedia.temporaryDirectory("surround")
        defer { try? FileManager.default.removeItem(at: directory) }
        // ffmpeg's 7.1: FL FR FC LFE BL BR SL SR. A -23 dBFS 1 kHz tone in SL and SR only.
        let tone = "\(pow(10, -23.0 / 20))*sin(2*PI*1000*t)"
        let sides = directory.appendingPathComponent("sides.wav").path
        try TestMedia.generate("aevalsrc=exprs='0|0|0|0|0|0|\(tone)|\(tone)':s=48000:d=10:c=7.1", to: sides, extra: ["-c:a", "pcm_f32le"])
        let measured = try await TestMedia.loudness(sides)
        // Two channels at -23 dBFS read -23 LUFS at weight 1; at weight 1.41, 10*log10(1.41) = 1.49 dB more.
        #expect(abs(measured.integratedLufs - (-23 + 10 * log10(1.41))) <= 0.1, "\(measured.integratedLufs) LUFS")
        let lfe = directory.appendingPathComponent("lfe.wav").path
        try TestMedia.generate("aevalsrc=exprs='0|0|0|\(tone)|0|0|0|0':s=48000:d=10:c=7.1", to: lfe, extra: ["-c:a", "pcm_f32le"])
        #expect(try await TestMedia.loudness(lfe).integratedLufs == -120)
    }

    @Test("a float file holding an infinite sample fails to measure by name (never read as silence); its peaks stay in -1...1")
    func nonFiniteSamples() async throws {
        let harness = try ExecutionHarness()
        let path = harness.directory.appendingPathComponent("inf.wav").path
        try Self.floatWAV((0..<48_000).map { $0 == 24_000 ? Float.infinity : Float(0.25 * sin(Double($0) * 0.05)) }, to: path)
        await #expect {
            _ = try await TestMedia.loudness(path)
        } throws: { error in
            (error as? MixdownError)?.code == .measureFailed && (error as? MixdownError)?.message.contains("infinite") == true
        }
        let outputs = try await harness.run(
            "version: 1\nkind: ingest\ninputs: { a: { file: inf.wav } }\nsteps:\n  - { id: wave, from: a, peaks: 10 }\noutputs: { wave: { from: wave } }\n"
        )
        let document = try JSONDecoder().decode(PeaksDocument.self, from: Data(contentsOf: URL(fileURLWithPath: try #require(outputs["wave"]).path)))
        #expect(document.peaks.allSatisfy { $0[0] >= -1 && $0[1] <= 1 } && document.peaks.contains { $0[1] == 1 })
    }

    /// A mono 48 kHz 32-bit float WAV of exactly these samples.
    static func floatWAV(_ samples: [Float], to path: String) throws {
        func le32(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        func le16(_ value: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        let data = samples.withUnsafeBytes { Array($0) }
        var bytes = Array("RIFF".utf8) + le32(36 + data.count) + Array("WAVEfmt ".utf8) + le32(16)
        bytes += le16(3) + le16(1) + le32(48_000) + le32(48_000 * 4) + le16(4) + le16(32)
        bytes += Array("data".utf8) + le32(data.count) + data
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
