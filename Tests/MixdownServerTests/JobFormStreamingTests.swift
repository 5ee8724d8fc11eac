import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MixdownJobs
import MixdownServer
import MixdownStorage
import MixdownTestSupport
import NIOCore
import Synchronization
import Testing

/// `POST /v1/jobs` as `multipart/form-data`: its file parts stream into storage as they arrive (no
/// temporary folder) and become the job's upload assets; a refused submission leaves nothing stored.
@Suite("Job submissions streamed into storage")
struct JobFormStreamingTests {
    static let recipe = "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - gain: -3\noutputs: { o: { format: wav } }\n"

    @Test(
        "a 19 MB file part of a job submission reaches the bucket part by part while the body is still arriving, and the job runs on it",
        .timeLimit(.minutes(3))
    )
    func streamsThrough() async throws {
        let harness = try APIHarness(files: .bucket)
        let bucket = try UploadStreamingTests.bucket(of: harness)
        let source = harness.directory.appendingPathComponent("long.wav").path
        // 100 s of 48 kHz stereo 16-bit: 19.2 MB, more than one 16 MiB part.
        try TestMedia.generate("sine=f=440:d=100:sample_rate=48000", to: source, extra: ["-ac", "2"])
        let media = try Data(contentsOf: URL(fileURLWithPath: source))
        let boundary = UploadStreamingTests.boundary
        let data = Data(
            multipartBody(
                boundary: boundary,
                [FormPart(name: "recipe", content: Data(Self.recipe.utf8)), FormPart(name: "v", file: "long.wav", type: "audio/wav", content: media)]
            ).readableBytesView
        )
        let head =
            "POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(data.count)\r\nConnection: close\r\n\r\n"
        let firstPart = 16 << 20
        let submitted = Mutex("")
        try await UploadStreamingTests.withServer(harness) { port in
            let collector = ResponseCollector()
            let channel = try await ConnectionTimeoutTests.send(head, port: port, to: collector)
            try await channel.writeAndFlush(ByteBuffer(bytes: data.prefix(firstPart + 65_536)))
            // As for the upload route: the rest is not sent until a multipart upload exists in the bucket.
            let started = try await UploadStreamingTests.multipartUploadBegins(in: bucket)
            #expect(started, "no part reached the bucket before the body ended")
            try await channel.writeAndFlush(ByteBuffer(bytes: data.dropFirst(firstPart + 65_536)))
            let (status, body) = UploadStreamingTests.parse(try await collector.response.futureResult.get())
            #expect(status == 202, "\(body)")
            let job = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
            let id = try #require(job["id"] as? String)
            submitted.withLock { $0 = id }
        }
        let jobId = submitted.withLock { $0 }
        // The job's input is the streamed upload: its exact bytes, probed from the bucket.
        let job = try #require(try await harness.services.store.job(id: jobId))
        let assetId = try #require(job.parameters.uploads["v"])
        let asset = try #require(try await harness.services.store.asset(id: assetId))
        #expect(asset.bytes == media.count && asset.name == "long.wav")
        #expect(abs((asset.durationSeconds ?? 0) - 100) < 0.1)
        let expected = String(try Shell.run("sha256sum", [source]).standardOutput.prefix(64))
        #expect(asset.sha256 == expected)
        #expect(try await bucket.list(prefix: "uploads/").count == 1)
        #expect(try await bucket.incompleteUploads().isEmpty)
        // And a worker runs it from the bucket.
        try await harness.run { client in
            let done = try await client.finished(jobId)
            #expect(done["status"] as? String == "succeeded", "\(done)")
        }
    }

    @Test(
        "refused form submissions leave nothing stored and make no job: a bad recipe after the file, a file that is not media, no recipe, a cut body",
        arguments: FileBacking.allCases
    )
    func refusedLeaveNothing(files: FileBacking) async throws {
        let harness = try APIHarness(maxUploadBytes: 3_000_000, files: files)
        let wav = try Data(contentsOf: URL(fileURLWithPath: try TestMedia.path("intro.wav")))
        let file = FormPart(name: "v", file: "intro.wav", type: "audio/wav", content: wav)
        try await harness.api.application().test(.live) { client in
            // The file first, then a recipe that does not parse: the file was already stored, and is removed.
            let badRecipe = try await client.multipart("/v1/jobs", [file, FormPart(name: "recipe", content: Data("version: 1\nkind: [".utf8))])
            #expect(badRecipe.status == .unprocessableContent || badRecipe.status == .badRequest, "\(badRecipe.status)")
            let notMedia = try await client.multipart(
                "/v1/jobs",
                [FormPart(name: "recipe", content: Data(Self.recipe.utf8)), FormPart(name: "v", file: "notes.wav", content: Data("just words".utf8))]
            )
            #expect(notMedia.status == .unprocessableContent, "\(notMedia.status)")
            let noRecipe = try await client.multipart("/v1/jobs", [file])
            #expect(noRecipe.status == .badRequest, "\(noRecipe.status)")
            // An upload the recipe does not declare.
            let undeclared = try await client.multipart(
                "/v1/jobs",
                [FormPart(name: "recipe", content: Data(Self.recipe.utf8)), file, FormPart(name: "w", file: "other.wav", content: wav)]
            )
            #expect(undeclared.status.code >= 400, "\(undeclared.status)")
            // Refused while the body arrives, after a file was already stored.
            for (after, status) in [
                (FormPart(name: "w", file: "big.wav", content: Data(count: 3_100_000)), HTTPResponse.Status.contentTooLarge),
                (FormPart(name: "params", content: Data(repeating: 0x20, count: (1 << 20) + 1)), .contentTooLarge),
                (FormPart(name: "v", file: "again.wav", content: wav), .badRequest),
            ] {
                let refused = try await client.multipart("/v1/jobs", [FormPart(name: "recipe", content: Data(Self.recipe.utf8)), file, after])
                #expect(refused.status == status, "\(after.name): \(refused.status)")
            }
            var cut = multipartBody(boundary: "b", [FormPart(name: "recipe", content: Data(Self.recipe.utf8)), file])
            cut.moveWriterIndex(to: cut.writerIndex - 40)
            let truncated = try await client.execute(
                uri: "/v1/jobs",
                method: .post,
                headers: [.contentType: "multipart/form-data; boundary=b"],
                body: cut
            )
            #expect(truncated.status == .badRequest, "\(truncated.status)")
        }
        switch files {
        case .folder: #expect(harness.storedFiles().isEmpty, "\(harness.storedFiles())")
        case .bucket:
            let bucket = try UploadStreamingTests.bucket(of: harness)
            #expect(try await bucket.list(prefix: "uploads/").isEmpty)
            #expect(try await bucket.incompleteUploads().isEmpty)
        }
        #expect(try await harness.services.store.list(type: nil, status: nil, limit: 10, cursor: nil).jobs.isEmpty)
    }

    @Test(
        "a resent form (same Idempotency-Key) returns its job and stores nothing more; another job with the same bytes shares the object",
        arguments: FileBacking.allCases
    )
    func resentAndShared(files: FileBacking) async throws {
        let harness = try APIHarness(files: files)
        let wav = try Data(contentsOf: URL(fileURLWithPath: try TestMedia.path("intro.wav")))
        let parts = [
            FormPart(name: "recipe", content: Data(Self.recipe.utf8)), FormPart(name: "v", file: "intro.wav", type: "audio/wav", content: wav),
        ]
        try await harness.api.application().test(.live) { client in
            let first = try await client.multipart("/v1/jobs", parts, headers: [HTTPField.Name("Idempotency-Key")!: "form-1"])
            #expect(first.status == .accepted)
            let again = try await client.multipart("/v1/jobs", parts, headers: [HTTPField.Name("Idempotency-Key")!: "form-1"])
            #expect(again.status == .accepted || again.status == .ok, "\(again.status)")
            let firstJob = try JSONSerialization.jsonObject(with: Data(first.body.readableBytesView)) as? [String: Any] ?? [:]
            let againJob = try JSONSerialization.jsonObject(with: Data(again.body.readableBytesView)) as? [String: Any] ?? [:]
            #expect(firstJob["id"] as? String == againJob["id"] as? String)
            let other = try await client.multipart("/v1/jobs", parts)
            #expect(other.status == .accepted)
            let otherJob = try JSONSerialization.jsonObject(with: Data(other.body.readableBytesView)) as? [String: Any] ?? [:]
            #expect(otherJob["id"] as? String != firstJob["id"] as? String)
        }
        let listed = try await harness.services.store.list(type: nil, status: nil, limit: 10, cursor: nil).jobs
        #expect(listed.count == 2)
        var inputs: Set<String> = []
        for job in listed {
            if let id = try await harness.services.store.job(id: job.id)?.parameters.uploads["v"] { inputs.insert(id) }
        }
        #expect(inputs.count == 1, "both jobs read the one stored upload")
        switch files {
        case .folder: #expect(harness.storedFiles().count == 1, "\(harness.storedFiles())")
        case .bucket: #expect(try await UploadStreamingTests.bucket(of: harness).list(prefix: "uploads/").count == 1)
        }
        // An earlier upload whose object is gone (a lifecycle rule) is not reused: the new bytes are kept.
        let shared = try #require(inputs.first)
        let gone = try #require(try await harness.services.store.asset(id: shared))
        try await harness.services.storage.delete(gone.key)
        try await harness.api.application().test(.live) { client in
            let third = try await client.multipart("/v1/jobs", parts)
            #expect(third.status == .accepted)
            let id = try #require((try JSONSerialization.jsonObject(with: Data(third.body.readableBytesView)) as? [String: Any])?["id"] as? String)
            let input = try #require(try await harness.services.store.job(id: id)?.parameters.uploads["v"])
            #expect(input != shared)
            let asset = try #require(try await harness.services.store.asset(id: input))
            #expect(try await harness.services.storage.exists(asset.key))
        }
    }
}
