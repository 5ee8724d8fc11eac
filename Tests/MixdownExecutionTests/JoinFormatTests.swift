import Foundation
import MixdownExecution
import MixdownPlanner
import MixdownTestSupport
import Testing

@Suite("Rates, layouts and loudness targets")
struct JoinFormatTests {
    @Test("a join runs at the highest rate and widest layout among its tracks; an mp3 of 22.05 kHz audio comes out at 44.1 kHz; a wav keeps its rate")
    func joinsNeverLower() async throws {
        let harness = try ExecutionHarness()
        // voice.wav is 48 kHz mono; intro.wav 44.1 kHz stereo.
        let outputs = try await harness.run(
            """
            version: 1
            kind: edit
            inputs: { voice: { file: voice.wav }, intro: { file: intro.wav } }
            steps:
              - { id: low, from: voice, resample: { rate: 22050 } }
              - { id: episode, concat: [intro, low] }
              - { id: phone, from: low, gain: 0 }
            outputs:
              episode: { from: episode, format: flac }
              phone: { from: phone, format: mp3 }
              kept: { from: low, format: wav }
            """
        )
        let episode = try await TestMedia.facts(try #require(outputs["episode"]).path)
        #expect(episode.sampleRate == 44_100 && episode.channels == 2)
        #expect(abs((episode.duration ?? 0) - 24) < 0.1)
        let phone = try await TestMedia.facts(try #require(outputs["phone"]).path)
        #expect(phone.sampleRate == 44_100 && phone.channels == 1)
        let kept = try await TestMedia.facts(try #require(outputs["kept"]).path)
        #expect(kept.sampleRate == 22_050 && kept.channels == 1)
    }

    @Test("a mono voice joined to a stereo chime keeps its loudness on both channels")
    func upmixKeepsLoudness() async throws {
        let harness = try ExecutionHarness()
        let outputs = try await harness.run(
            """
            version: 1
            kind: edit
            inputs: { voice: { file: voice.wav }, intro: { file: intro.wav } }
            steps:
              - { id: body, from: voice, trim: { start: 2s, duration: 10s } }
              - { id: joined, concat: [intro, body] }
              - { id: tail, from: joined, trim: { start: 4s } }
            outputs:
              alone: { from: body, format: wav }
              joined: { from: tail, format: wav }
            """
        )
        let alone = try await TestMedia.loudness(try #require(outputs["alone"]).path)
        let joined = try await TestMedia.loudness(try #require(outputs["joined"]).path)
        #expect(abs(alone.integratedLufs - joined.integratedLufs) < 0.2, "mono \(alone.integratedLufs), upmixed \(joined.integratedLufs)")
    }

    @Test("loudnorm, by default, lands within 0.5 LU of its target with the true peak at or under the ceiling", arguments: [-16.0, -23.0, -14.0])
    func defaultLoudnormHitsTarget(target: Double) async throws {
        let harness = try ExecutionHarness()
        let outputs = try await harness.run(
            """
            version: 1
            kind: edit
            inputs: { voice: { file: voice.wav }, intro: { file: intro.wav } }
            steps:
              - { id: body, from: voice, highpass: 80 }
              - denoise: 12
              - { id: episode, concat: [intro, step2] }
              - loudnorm: { target: \(target), true_peak: -1.5 }
            outputs: { out: { format: m4a } }
            """
        )
        let report = try await TestMedia.loudness(try #require(outputs["out"]).path)
        #expect(abs(report.integratedLufs - target) <= 0.5, "measured \(report.integratedLufs) LUFS")
        // AAC's decoder may overshoot a limited peak a little.
        #expect(report.truePeakDbtp <= -1.5 + 0.5, "true peak \(report.truePeakDbtp) dBTP")
    }
}
