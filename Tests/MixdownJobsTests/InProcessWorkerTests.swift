import Foundation
import MixdownExecution
import MixdownJobs
import MixdownPlanner
import MixdownRecipe
import MixdownStorage
import MixdownTestSupport
import Testing

@Suite("In-process worker")
struct InProcessWorkerTests {
    @Test("ingest -> edit -> render chain through assets, each job woken at once by the doorbell")
    func assetChain() async throws {
        // A 60 s poll: only the in-process doorbell can start these jobs promptly.
        let harness = try JobsHarness(pollSeconds: 60, extra: ["MIXDOWN_LEASE_SECONDS": "60"])
        let worker = Task { try await Worker(services: harness.services).run() }
        defer { worker.cancel() }

        func finish(_ recipe: String) async throws -> Job {
            let started = ContinuousClock.now
            let id = try await harness.submit(recipe).id
            // Sooner than the 60 s poll could have started it: the doorbell did (however loaded the machine).
            try await harness.waitFor("job \(id)", seconds: 55) { try await harness.job(id).status.isFinal }
            #expect(ContinuousClock.now - started < .seconds(60))
            let job = try await harness.job(id)
            #expect(job.status == .succeeded, "\(String(describing: job.error))")
            return job
        }

        let ingest = try await finish(
            "version: 1\nkind: ingest\ninputs: { v: { file: voice.wav } }\nsteps:\n  - resample: { rate: 44100, channels: 2 }\noutputs: { audio: { format: flac } }\n"
        )
        #expect(ingest.type == .ingest)
        let audio = try #require(ingest.result?.outputs.first)
        #expect(audio.key.rawValue == "jobs/\(ingest.id)/audio.flac" && audio.contentType == "audio/flac")

        let edit = try await finish(
            "version: 1\nkind: edit\ninputs: { a: { asset: \(audio.assetId) } }\nsteps:\n  - trim: { duration: 5s }\n  - gain: -3dB\noutputs: { clip: { format: mp3 } }\n"
        )
        let clip = try #require(edit.result?.outputs.first)
        #expect(abs((clip.durationSeconds ?? 0) - 5) < 0.1)

        let render = try await finish(
            """
            version: 1
            kind: render
            inputs: { a: { asset: \(clip.assetId) }, cover: { file: cover.png } }
            steps:
              - { from: a, visualize: { size: 320x180, fps: 10, background: cover } }
            outputs: { video: { format: mp4 } }
            """
        )
        let video = try #require(render.result?.outputs.first)
        let path = try await harness.services.storage.localPath(for: video.key, downloadingInto: NSTemporaryDirectory())
        let facts = try await TestMedia.facts(path)
        #expect(facts.hasVideo && facts.hasAudio && facts.width == 320)
        #expect(try PlanExecutor.sha256(ofFile: path) == video.sha256)
        // Every output is an asset with the job that made it.
        for job in [ingest, edit, render] {
            for output in job.result?.outputs ?? [] {
                #expect(try await harness.services.store.asset(id: output.assetId)?.jobId == job.id)
            }
        }
    }

    @Test("a job whose input asset does not exist fails once, with the input's recipe line, without retrying")
    func missingAsset() async throws {
        let harness = try JobsHarness(pollSeconds: 60, extra: ["MIXDOWN_LEASE_SECONDS": "60"])
        let worker = Task { try await Worker(services: harness.services).run() }
        defer { worker.cancel() }
        let id = try await harness.submit(
            "version: 1\nkind: edit\ninputs: { a: { asset: ast_00000000000000000000000000 } }\noutputs: { o: {} }\n"
        ).id
        try await harness.waitFor("the failure") { try await harness.job(id).status.isFinal }
        let job = try await harness.job(id)
        #expect(job.status == .failed && job.attempts == 1 && job.error?.code == .unknownAsset)
        #expect(job.error?.location?.line == 3)
    }

    @Test("a retryable failure (a download that fails) is tried again up to the attempt limit; the job says it was retryable")
    func retryableFailure() async throws {
        let served = try TestMedia.temporaryDirectory("served")
        let server = try LoopbackHTTPServer(serving: served)
        defer { server.stop() }
        let harness = try JobsHarness(
            pollSeconds: 60,
            extra: ["MIXDOWN_LEASE_SECONDS": "60", "MIXDOWN_ALLOW_PRIVATE_URLS": "1", "MIXDOWN_MAX_ATTEMPTS": "2"]
        )
        let worker = Task { try await Worker(services: harness.services).run() }
        defer { worker.cancel() }
        let id = try await harness.submit(
            "version: 1\nkind: ingest\ninputs: { a: { url: \"\(server.url("missing.mp3"))\" } }\noutputs: { o: {} }\n"
        ).id
        try await harness.waitFor("the failure") { try await harness.job(id).status.isFinal }
        let job = try await harness.job(id)
        #expect(job.status == .failed && job.error?.code == .downloadFailed)
        #expect(job.attempts == 2, "download-failed is retryable: the second attempt is the last")
        #expect(job.error?.isRetryable == true)
    }
}
