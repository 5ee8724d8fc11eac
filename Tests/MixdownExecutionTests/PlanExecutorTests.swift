import Foundation
import MixdownExecution
import MixdownPlanner
import MixdownRecipe
import MixdownTestSupport
import Testing

@Suite("Executor")
struct PlanExecutorTests {
    @Test("the podcast clean-up hits its loudness and length, and reports every output uniformly")
    func podcast() async throws {
        let harness = try ExecutionHarness()
        let outputs = try await harness.run(
            """
            version: 1
            kind: edit
            inputs: { voice: { file: voice.wav }, intro: { file: intro.wav }, outro: { file: outro.wav } }
            steps:
              - { id: body, from: voice, trim: { start: 1.5s, end: -2s } }
              - highpass: 80Hz
              - denoise: 12dB
              - compress: { threshold: -20dB, ratio: 3 }
              - loudnorm: { target: -16, true_peak: -1.5 }
              - { id: faded, fade: { in: 300ms, out: 1s } }
              - { id: episode, concat: [intro, faded, outro] }
              - { id: report, from: episode, analyze: {} }
            outputs:
              episode: { from: episode, format: mp3, bitrate: 192k }
              report: { from: report }
            """
        )
        let episode = try #require(outputs["episode"])
        // 4 s intro + (20 - 1.5 - 2) s body + 3 s outro
        #expect(abs((episode.durationSeconds ?? 0) - 23.5) < 0.1)
        #expect(episode.contentType == "audio/mpeg" && episode.bytes > 100_000 && episode.sha256.count == 64)
        #expect(try PlanExecutor.sha256(ofFile: episode.path) == episode.sha256)
        let loudness = try await TestMedia.loudness(episode.path)
        #expect(abs(loudness.integratedLufs + 16) < 1.5)
        let report = try JSONDecoder().decode(
            AnalysisDocument.self,
            from: Data(contentsOf: URL(fileURLWithPath: try #require(outputs["report"]).path))
        )
        #expect(abs(report.durationSeconds - 23.5) < 0.1)
        #expect(abs(report.integratedLufs - loudness.integratedLufs) < 0.6)
        #expect(harness.leftovers() == ["episode.mp3", "report.json"])
    }

    @Test("two-pass loudnorm lands within 0.5 LU of the target with the true peak under the ceiling")
    func twoPassLoudness() async throws {
        let harness = try ExecutionHarness()
        let outputs = try await harness.run(
            """
            version: 1
            kind: edit
            inputs: { voice: { file: voice.wav } }
            steps:
              - highpass: 80
              - loudnorm: { target: -14, true_peak: -2, two_pass: true }
            outputs: { out: { format: wav } }
            """
        )
        let loudness = try await TestMedia.loudness(try #require(outputs["out"]).path)
        #expect(abs(loudness.integratedLufs + 14) <= 0.5)
        #expect(loudness.truePeakDbtp <= -2 + 0.1)
    }

    @Test("normalize brings the sample peak to its target")
    func normalize() async throws {
        let harness = try ExecutionHarness()
        let outputs = try await harness.run(
            "version: 1\nkind: edit\ninputs: { v: { file: voice.wav } }\nsteps:\n  - normalize: -3dB\noutputs: { out: { format: flac } }\n"
        )
        let loudness = try await TestMedia.loudness(try #require(outputs["out"]).path)
        #expect(abs(loudness.samplePeakDbfs + 3) < 0.15)
    }

    @Test("durations follow trim, pad, speed, loop, crossfade and mix")
    func durations() async throws {
        let harness = try ExecutionHarness()
        let outputs = try await harness.run(
            """
            version: 1
            kind: edit
            inputs: { a: { file: intro.wav }, v: { file: voice.wav } }
            steps:
              - { id: cut, from: v, trim: { start: 2s, duration: 5s } }
              - { id: padded, from: cut, pad: { start: 1s, end: 2s } }
              - { id: fast, from: cut, speed: 2 }
              - { id: looped, from: a, loop: { count: 3 } }
              - { id: blended, crossfade: { tracks: [a, cut], duration: 1s } }
              - { id: mixed, mix: { tracks: [cut, looped], duration: shortest } }
              - { id: mono, from: cut, resample: { rate: 22050, channels: 1 } }
            outputs:
              padded: { from: padded }
              fast: { from: fast }
              looped: { from: looped }
              blended: { from: blended }
              mixed: { from: mixed }
              mono: { from: mono, format: flac, expect: { sample_rate: 22050, channels: 1, duration: [4.9, 5.1] } }
            """
        )
        let expected = ["padded": 8.0, "fast": 2.5, "looped": 12.0, "blended": 8.0, "mixed": 5.0, "mono": 5.0]
        for (name, seconds) in expected {
            let measured = try #require(outputs[name]?.durationSeconds, "\(name)")
            #expect(abs(measured - seconds) < 0.08, "\(name): \(measured) s, expected \(seconds)")
        }
    }

    @Test("a missed expectation fails the run with the measured value and its line, and keeps every output only under a rejected name")
    func expectationMiss() async throws {
        let harness = try ExecutionHarness()
        do {
            _ = try await harness.run(
                """
                version: 1
                kind: edit
                inputs: { v: { file: voice.wav } }
                steps:
                  - loudnorm: { target: -16 }
                  - { id: report, analyze: {} }
                outputs:
                  out:
                    from: step1
                    format: mp3
                    expect:
                      duration: [1, 100]
                      lufs: [-10, -9]
                  report: { from: report }
                """
            )
            Issue.record("the run should have failed")
        } catch let miss as ExpectationMiss {
            let error = miss.error
            #expect(error.code == .expectationFailed)
            #expect(error.location?.line == 13)
            #expect(error.message.contains("LUFS is outside [-10.0, -9.0]"))
            #expect(miss.rejected.map(\.name) == ["out", "report"])
            let out = try #require(miss.rejected.first)
            #expect(out.path == "\(harness.out)/out.rejected.mp3")
            #expect(try PlanExecutor.sha256(ofFile: out.path) == out.sha256 && out.bytes > 10_000)
            // What was rejected is what the error says was measured.
            let measured = try await TestMedia.loudness(out.path)
            #expect(abs(measured.integratedLufs + 16) < 0.5)
        }
        #expect(harness.leftovers() == ["out.rejected.mp3", "report.rejected.json"])
    }

    @Test("peaks are min/max pairs in -1...1 that follow the signal")
    func peaks() async throws {
        let harness = try ExecutionHarness()
        let outputs = try await harness.run(
            "version: 1\nkind: ingest\ninputs: { v: { file: voice.wav } }\nsteps:\n  - peaks: { points: 40 }\noutputs: { wave: {} }\n"
        )
        let document = try JSONDecoder().decode(PeaksDocument.self, from: Data(contentsOf: URL(fileURLWithPath: try #require(outputs["wave"]).path)))
        #expect(document.peaks.count == 40)
        #expect(document.peaks.allSatisfy { $0.count == 2 && $0[0] >= -1 && $0[1] <= 1 && $0[0] <= $0[1] })
        // The first 1.5 s of the voice is silence; the speech after it is loud.
        #expect(document.peaks[0][1] < 0.05)
        #expect(document.peaks.map { $0[1] }.max()! > 0.2)
    }

    @Test("a render makes a video of the asked size with its soundtrack, a title and captions")
    func render() async throws {
        let harness = try ExecutionHarness()
        let outputs = try await harness.run(
            """
            version: 1
            kind: render
            inputs: { v: { file: voice.wav }, cover: { file: cover.png } }
            steps:
              - { from: v, trim: { duration: 4s } }
              - visualize: { size: 320x180, fps: 10, background: cover, color: "#ffd166" }
              - title: "Escaped: it's [all], fine; 100%"
              - captions: episode.srt
            outputs:
              video: { format: mp4, expect: { duration: [3.8, 4.2] } }
              still: { format: png }
            """
        )
        let video = try await TestMedia.facts(try #require(outputs["video"]).path)
        #expect(video.hasVideo && video.hasAudio && video.width == 320 && video.height == 180)
        let still = try await TestMedia.facts(try #require(outputs["still"]).path)
        #expect(still.width == 320)
    }

    @Test("cancelling stops ffmpeg's whole process group and leaves no partial file")
    func cancel() async throws {
        let harness = try ExecutionHarness()
        let (events, continuation) = AsyncStream.makeStream(of: ExecutionEvent.self)
        let task = Task {
            try await harness.run(
                """
                version: 1
                kind: edit
                inputs: { v: { file: voice.wav } }
                steps:
                  - loop: { count: 400 }
                  - denoise: {}
                outputs: { out: { format: flac } }
                """,
                onEvent: { continuation.yield($0) }
            )
        }
        for await event in events where event.kind == .progress && event.progress > 0 { break }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        let survivors = try Shell.run("pgrep", ["-f", harness.out])
        #expect(survivors.standardOutput.isEmpty, "ffmpeg processes still running: \(survivors.standardOutput)")
        #expect(harness.leftovers().isEmpty)
    }
}
