import Foundation
import MixdownExecution
import MixdownTestSupport
import Testing

/// CPU renders of each visual style, checked as a player would see them: ffprobe's view of the video
/// stream, and one frame against a picture made without the planner.
@Suite("Visual renders")
struct VisualRenderTests {
    struct VideoStream: Decodable {
        var codec_name: String
        var width: Int
        var height: Int
        var pix_fmt: String
        var r_frame_rate: String
        var duration: String
    }

    static func streams(_ path: String) throws -> (video: VideoStream, audioSeconds: Double) {
        func probe(_ selector: String) throws -> Data {
            let status = try Shell.run(
                "ffprobe",
                [
                    "-v", "error", "-select_streams", selector, "-show_entries", "stream=codec_name,width,height,pix_fmt,r_frame_rate,duration",
                    "-of", "json", path,
                ]
            )
            return Data(status.standardOutput.utf8)
        }
        struct Streams<S: Decodable>: Decodable { var streams: [S] }
        struct AudioStream: Decodable { var duration: String }
        let video = try #require(try JSONDecoder().decode(Streams<VideoStream>.self, from: probe("v:0")).streams.first)
        let audio = try #require(try JSONDecoder().decode(Streams<AudioStream>.self, from: probe("a:0")).streams.first)
        return (video, try #require(Double(audio.duration)))
    }

    /// The frame at `seconds` as a PNG.
    static func frame(of path: String, at seconds: Double, into directory: URL, name: String) throws -> String {
        let png = directory.appendingPathComponent(name).path
        let status = try Shell.run("ffmpeg", ["-v", "error", "-y", "-ss", "\(seconds)", "-i", path, "-frames:v", "1", png])
        #expect(status.exitCode == 0, "\(status.standardError)")
        return png
    }

    /// PSNR in dB between two pictures of one size (ffmpeg's psnr filter), infinity when identical.
    static func psnr(_ first: String, _ second: String) throws -> Double {
        let status = try Shell.run("ffmpeg", ["-v", "info", "-hide_banner", "-i", first, "-i", second, "-lavfi", "psnr", "-f", "null", "-"])
        guard let range = status.standardError.range(of: #"average:(inf|[0-9.]+)"#, options: .regularExpression) else {
            Issue.record("no PSNR in: \(status.standardError.suffix(400))")
            return 0
        }
        let value = status.standardError[range].dropFirst("average:".count)
        return value == "inf" ? .infinity : Double(value) ?? 0
    }

    @Test(
        "each style renders h264 yuv420p at the asked size and rate, as long as its audio to within a frame",
        arguments: [
            "visualize: { style: waveform, size: 320x180, fps: 25 }",
            "visualize: { style: spectrum, size: 320x180, fps: 25 }",
            "visualize: { style: cover, size: 320x180, fps: 25, background: cover }",
            "visualize: { style: waveform, size: 320x180, fps: 25, background: cover }\n  - title: \"It's [all] 100%\"",
            "visualize: { style: waveform, size: 320x180, fps: 25 }\n  - captions: episode.srt",
        ]
    )
    func style(_ steps: String) async throws {
        let harness = try ExecutionHarness()
        let outputs = try await harness.run(
            """
            version: 1
            kind: render
            inputs: { v: { file: voice.wav }, cover: { file: cover.png } }
            steps:
              - { from: v, trim: { duration: 3.3s } }
              - \(steps)
            outputs: { video: { format: mp4 } }
            """
        )
        let (video, audioSeconds) = try Self.streams(try #require(outputs["video"]).path)
        #expect(video.codec_name == "h264" && video.pix_fmt == "yuv420p")
        #expect(video.width == 320 && video.height == 180 && video.r_frame_rate == "25/1")
        #expect(abs(audioSeconds - 3.3) < 0.05, "audio lasts \(audioSeconds) s")
        let videoSeconds = try #require(Double(video.duration))
        #expect(abs(videoSeconds - audioSeconds) <= 1.0 / 25 + 1e-6, "video \(videoSeconds) s against audio \(audioSeconds) s")
    }

    @Test("a cover after trim_silence ends with its audio, not with the length planned before the silence went")
    func coverEndsWithAudio() async throws {
        let harness = try ExecutionHarness()
        try TestMedia.generate(
            "aevalsrc=0:d=3:s=48000[s];sine=f=440:d=4:sample_rate=48000[t];[s][t]concat=n=2:v=0:a=1[out0]",
            to: harness.directory.appendingPathComponent("late.wav").path
        )
        let outputs = try await harness.run(
            """
            version: 1
            kind: render
            inputs: { v: { file: late.wav }, cover: { file: cover.png } }
            steps:
              - { from: v, trim_silence: {} }
              - visualize: { style: cover, size: 320x180, fps: 25, background: cover }
            outputs: { video: { format: mp4 } }
            """
        )
        let (video, audioSeconds) = try Self.streams(try #require(outputs["video"]).path)
        #expect(audioSeconds < 5, "the silence was not trimmed: \(audioSeconds) s")
        let videoSeconds = try #require(Double(video.duration))
        #expect(abs(videoSeconds - audioSeconds) <= 1.0 / 25 + 1e-6, "video \(videoSeconds) s against audio \(audioSeconds) s")
    }

    @Test("a cover render shows the image, and a waveform render matches ffmpeg's own showwaves, frame for frame within h264's loss")
    func frames() async throws {
        let harness = try ExecutionHarness()
        let outputs = try await harness.run(
            """
            version: 1
            kind: render
            inputs: { v: { file: voice.wav }, cover: { file: cover.png } }
            steps:
              - { id: clip, from: v, trim: { duration: 3s } }
              - { id: still, from: clip, visualize: { style: cover, size: 320x180, fps: 25, background: cover } }
              - { id: wave, from: clip, visualize: { style: waveform, size: 320x180, fps: 25, color: white } }
            outputs:
              cover: { from: still, format: mp4 }
              waves: { from: wave, format: mp4 }
            """
        )
        let directory = harness.directory
        // The image itself, scaled as the planner scales it.
        let image = directory.appendingPathComponent("image.png").path
        let scaled = try Shell.run(
            "ffmpeg",
            ["-v", "error", "-y", "-i", directory.appendingPathComponent("cover.png").path, "-vf", "scale=320:180", image]
        )
        #expect(scaled.exitCode == 0)
        let coverFrame = try Self.frame(of: try #require(outputs["cover"]).path, at: 1.5, into: directory, name: "cover-frame.png")
        #expect(try Self.psnr(coverFrame, image) > 35)

        // The same picture drawn by a hand-written command from the same 3 s of audio.
        let reference = directory.appendingPathComponent("reference.mp4").path
        let made = try Shell.run(
            "ffmpeg",
            [
                "-v", "error", "-y", "-i", directory.appendingPathComponent("voice.wav").path, "-filter_complex",
                "[0:a]atrim=duration=3,showwaves=s=320x180:mode=cline:rate=25:colors=white[w];color=c=black:s=320x180:r=25[b];[b][w]overlay=shortest=1,format=yuv420p[v]",
                "-map", "[v]", "-c:v", "libx264", "-crf", "23", reference,
            ]
        )
        #expect(made.exitCode == 0, "\(made.standardError)")
        let ours = try Self.frame(of: try #require(outputs["waves"]).path, at: 1.5, into: directory, name: "ours.png")
        let theirs = try Self.frame(of: reference, at: 1.5, into: directory, name: "theirs.png")
        #expect(try Self.psnr(ours, theirs) > 30)
        // And not a blank picture matching another blank one: the waveform differs from the black canvas.
        let black = directory.appendingPathComponent("black.png").path
        _ = try Shell.run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "color=c=black:s=320x180", "-frames:v", "1", black])
        #expect(try Self.psnr(ours, black) < 30)
    }
}
