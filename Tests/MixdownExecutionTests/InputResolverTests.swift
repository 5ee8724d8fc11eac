import Foundation
import MixdownExecution
import MixdownRecipe
import MixdownTestSupport
import Testing

@Suite("Inputs over the network")
struct InputResolverTests {
    @Test("url inputs download over HTTP; an oversized one stops at the cap and leaves nothing")
    func urlDownload() async throws {
        let server = try LoopbackHTTPServer(serving: try TestMedia.directory())
        defer { server.stop() }
        var harness = try ExecutionHarness()
        let recipe = "version: 1\nkind: ingest\ninputs: { m: { url: \"\(server.url("voice.wav"))\" } }\noutputs: { audio: { format: flac } }\n"
        let outputs = try await harness.run(recipe)
        #expect(abs((outputs["audio"]?.durationSeconds ?? 0) - 20) < 0.05)

        harness.limits.maximumBytes = 100_000
        await #expect {
            _ = try await harness.run(recipe)
        } throws: { error in
            (error as? MixdownError)?.code == .inputTooLarge && (error as? MixdownError)?.location?.line == 3
        }
        let missing = "version: 1\nkind: ingest\ninputs: { m: { url: \"\(server.url("nope.wav"))\" } }\noutputs: { audio: {} }\n"
        await #expect {
            _ = try await harness.run(missing)
        } throws: { error in
            (error as? MixdownError)?.message.contains("HTTP 404") == true
        }
    }

    @Test("an input no step or output reads is not fetched: a dead url beside a used one does not fail the run")
    func unusedInputs() async throws {
        let server = try LoopbackHTTPServer(serving: try TestMedia.directory())
        defer { server.stop() }
        let harness = try ExecutionHarness()
        let recipe = """
            version: 1
            kind: ingest
            inputs:
              m: { url: "\(server.url("voice.wav"))" }
              spare: { url: "\(server.url("nope.wav"))" }
            steps:
              - from: m
                gain: -3dB
            outputs: { audio: { format: flac } }

            """
        let outputs = try await harness.run(recipe)
        #expect(abs((outputs["audio"]?.durationSeconds ?? 0) - 20) < 0.05)
        // Read by a step, the same dead url fails the run: the check above is about use, not luck.
        let used = recipe.replacingOccurrences(of: "  - from: m\n", with: "  - from: spare\n")
        await #expect {
            _ = try await harness.run(used)
        } throws: { error in
            (error as? MixdownError)?.message.contains("HTTP 404") == true
        }
    }

    @Test("network inputs refuse loopback and private addresses unless allowed, for url and youtube alike")
    func privateAddresses() async throws {
        let server = try LoopbackHTTPServer(serving: try TestMedia.directory())
        defer { server.stop() }
        var harness = try ExecutionHarness()
        harness.limits.allowPrivateAddresses = false
        for keyword in ["url", "youtube"] {
            for address in [
                server.url("voice.wav"), "http://localhost:\(server.port)/voice.wav", "http://[::1]:\(server.port)/x", "http://10.1.2.3/x",
                "http://169.254.169.254/latest",
            ] {
                let recipe = "version: 1\nkind: ingest\ninputs: { m: { \(keyword): \"\(address)\" } }\noutputs: { audio: {} }\n"
                await #expect {
                    _ = try await harness.run(recipe)
                } throws: { error in
                    (error as? MixdownError)?.code == .privateAddress
                }
            }
        }
    }

    @Test("youtube inputs go through yt-dlp; media over the duration cap is refused")
    func ytdlp() async throws {
        let server = try LoopbackHTTPServer(serving: try TestMedia.directory())
        defer { server.stop() }
        var harness = try ExecutionHarness()
        let recipe = "version: 1\nkind: ingest\ninputs: { m: { youtube: \"\(server.url("bed.wav"))\" } }\noutputs: { audio: { format: opus } }\n"
        let outputs = try await harness.run(recipe)
        #expect(abs((outputs["audio"]?.durationSeconds ?? 0) - 25) < 0.1)

        harness.limits.maximumDurationSeconds = 10
        await #expect {
            _ = try await harness.run(recipe)
        } throws: { error in
            (error as? MixdownError)?.code == .inputTooLong
        }
    }

    @Test("downloads: a playlist is refused, and a stream whose header has no duration is measured against the cap")
    func downloadedContainers() async throws {
        let directory = try TestMedia.temporaryDirectory("downloads")
        let secret = directory.appendingPathComponent("secret.ts").path
        _ = try Shell.run("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=d=2", "-c:a", "aac", "-f", "mpegts", secret])
        try "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:2,\n\(secret)\n#EXT-X-ENDLIST\n".write(
            to: directory.appendingPathComponent("list.wav"),
            atomically: true,
            encoding: .utf8
        )
        _ = try Shell.run("sh", ["-c", "ffmpeg -v error -f lavfi -i sine=d=12 -ar 8000 -f matroska - > '\(directory.path)/stream.mkv'"])
        let server = try LoopbackHTTPServer(serving: directory)
        defer { server.stop() }
        var harness = try ExecutionHarness()
        harness.limits.maximumDurationSeconds = 5
        for (file, code) in [("list.wav", ErrorCode.unsupportedContainer), ("stream.mkv", .inputTooLong)] {
            let recipe = "version: 1\nkind: ingest\ninputs: { m: { url: \"\(server.url(file))\" } }\noutputs: { audio: { format: flac } }\n"
            await #expect {
                _ = try await harness.run(recipe)
            } throws: { error in
                (error as? MixdownError)?.code == code
            }
        }
    }
}
