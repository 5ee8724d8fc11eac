import Foundation
import HTTPTypes
import HummingbirdTesting
import MixdownExecution
import MixdownJobs
import MixdownPlanner
import MixdownTestSupport
import NIOCore
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The four flows the earlier system's audit failed, end to end over HTTP on loopback with a real worker.
@Suite("API flows")
struct APIFlowTests {
    /// Every job store, and both kinds of storage: the production pairs (a networked store with a
    /// bucket) and the embedded defaults.
    static let backends: [(StoreKind, FileBacking)] = [
        (.sqlite, .folder), (.sqlite, .bucket), (.postgres, .bucket), (.libsql, .bucket), (.libsql, .folder),
    ]

    @Test("ingest: upload, poll through the per-feature and the canonical route, download the asset", arguments: APIFlowTests.backends)
    func ingest(store: StoreKind, files: FileBacking) async throws {
        let harness = try APIHarness(store: store, files: files)
        try await harness.run { client async throws in
            let uploaded = try await client.upload(try TestMedia.path("voice.wav"), name: "voice.wav")
            #expect(uploaded.status == .created)
            let upload = try uploaded.json()
            let assetId = try #require(upload["id"] as? String)
            #expect(upload["durationSeconds"] as? Double == 20)

            let recipe =
                "version: 1\nkind: ingest\ninputs: { media: { upload: true } }\nsteps:\n  - { id: clean, resample: { rate: 48000 } }\n  - { id: report, from: clean, analyze: {} }\noutputs: { audio: { from: clean, format: flac }, loudness: { from: report } }\n"
            let (status, created) = try await client.json(
                "/v1/ingest",
                .post,
                body: "{\"recipe\": \(jsonString(recipe)), \"inputs\": {\"media\": \"\(assetId)\"}}"
            )
            #expect(status == .accepted && created["type"] as? String == "ingest")
            let id = try #require(created["id"] as? String)
            if files == .bucket {
                // The content route of a bucket's asset sends the (authorized) client to a presigned URL.
                let content = try await client.execute(uri: "/v1/assets/\(assetId)/content", method: .get)
                #expect(content.status == .found)
                let location = try #require(content.headers[.location])
                #expect(location.hasPrefix("http://127.0.0.1:") && location.contains("X-Amz-Signature="))
                var request = URLRequest(url: try #require(URL(string: location)))
                request.setValue("bytes=0-43", forHTTPHeaderField: "Range")
                let (head, response) = try await URLSession.shared.data(for: request)
                #expect((response as? HTTPURLResponse)?.statusCode == 206 && head.count == 44 && head.prefix(4) == Data("RIFF".utf8))
            }
            let viaFeature = try await client.finished(id, route: "/v1/ingest")
            let viaCanonical = try await client.finished(id, route: "/v1/jobs")
            #expect(viaFeature["status"] as? String == "succeeded" && viaCanonical["status"] as? String == "succeeded")
            let outputs = try #require((viaCanonical["result"] as? [String: Any])?["outputs"] as? [[String: Any]])
            #expect(outputs.map { $0["name"] as? String } == ["audio", "loudness"])
            for output in outputs {
                let url = try #require(output["downloadUrl"] as? String)
                #expect(url.hasPrefix("http") == (files == .bucket), "a bucket's outputs download from the bucket: \(url)")
                let download = try await client.download(url)
                #expect(download.status == 200)
                #expect(download.body.count == output["bytes"] as? Int)
                #expect(download.contentType == output["contentType"] as? String)
                if files == .folder {
                    #expect(download.disposition?.hasPrefix("attachment") == true)
                } else {
                    // moto ignores response-content-disposition; the URL asks for it (S3 and R2 honour it).
                    #expect(url.contains("response-content-disposition=attachment"))
                }
            }
        }
    }

    @Test("edit: a recipe on the ingested asset, previewed then saved, downloads as playable audio", arguments: APIFlowTests.backends)
    func edit(store: StoreKind, files: FileBacking) async throws {
        let harness = try APIHarness(store: store, files: files)
        try await harness.run { client async throws in
            let assetId = try #require(try await client.upload(try TestMedia.path("voice.wav"), name: "voice.wav").json()["id"] as? String)
            let recipe =
                "version: 1\nkind: edit\ninputs: { voice: { asset: \(assetId) } }\nsteps:\n  - highpass: 80\n  - loudnorm: { target: -16 }\noutputs: { episode: { format: mp3 } }\n"
            let document = "{\"recipe\": \(jsonString(recipe)), \"preview\": {\"start\": 5, \"duration\": 4}}"
            let (_, preview) = try await client.json("/v1/edit/preview", .post, body: document)
            #expect(preview["type"] as? String == "preview")
            let (_, save) = try await client.json("/v1/edit/save", .post, body: "{\"recipe\": \(jsonString(recipe))}")
            #expect(save["type"] as? String == "save")
            for (job, seconds) in [(preview, 4.0), (save, 20.0)] {
                let done = try await client.finished(try #require(job["id"] as? String), route: "/v1/edit/save")
                #expect(done["status"] as? String == "succeeded")
                let output = try #require(((done["result"] as? [String: Any])?["outputs"] as? [[String: Any]])?.first)
                let download = try await client.download(try #require(output["downloadUrl"] as? String))
                let file = harness.directory.appendingPathComponent("\(UUID().uuidString).mp3")
                try download.body.write(to: file)
                let facts = try await TestMedia.facts(file.path)
                #expect(facts.hasAudio && abs((facts.duration ?? 0) - seconds) < 0.2)
            }
        }
    }

    @Test(
        "a missed expectation fails the job with its outputs listed under the error as rejected, downloadable, and no result",
        arguments: [(StoreKind.sqlite, FileBacking.folder), (.postgres, .bucket)]
    )
    func rejectedOutputs(store: StoreKind, files: FileBacking) async throws {
        let harness = try APIHarness(store: store, files: files)
        try await harness.run { client async throws in
            let assetId = try #require(try await client.upload(try TestMedia.path("voice.wav"), name: "voice.wav").json()["id"] as? String)
            let recipe =
                "version: 1\nkind: edit\ninputs: { voice: { asset: \(assetId) } }\nsteps:\n  - loudnorm: { target: -16 }\noutputs: { episode: { format: mp3, expect: { lufs: [-10, -9] } } }\n"
            let (_, save) = try await client.json("/v1/edit/save", .post, body: "{\"recipe\": \(jsonString(recipe))}")
            let done = try await client.finished(try #require(save["id"] as? String), route: "/v1/jobs")
            #expect(done["status"] as? String == "failed" && done["result"] == nil)
            let error = try #require(done["error"] as? [String: Any])
            #expect(error["code"] as? String == "expectation-failed")
            #expect((error["message"] as? String)?.contains("LUFS is outside [-10.0, -9.0]") == true)
            let rejected = try #require((error["rejected"] as? [[String: Any]])?.first)
            #expect(rejected["name"] as? String == "episode")
            #expect((rejected["key"] as? String)?.hasSuffix("/episode.rejected.mp3") == true)
            let download = try await client.download(try #require(rejected["downloadUrl"] as? String))
            #expect(download.status == 200 && download.body.count == rejected["bytes"] as? Int)
            let file = harness.directory.appendingPathComponent("\(UUID().uuidString).mp3")
            try download.body.write(to: file)
            // What can be heard is what was measured: a -16 LUFS episode, not the -10 the recipe hoped for.
            let loudness = try await TestMedia.loudness(file.path)
            #expect(abs(loudness.integratedLufs + 16) < 0.5)
            let (assetStatus, asset) = try await client.json("/v1/assets/\(try #require(rejected["assetId"] as? String))", .get)
            #expect(assetStatus == .ok && asset["jobId"] as? String == save["id"] as? String)
        }
    }

    @Test("render: a multipart recipe with its uploads becomes a downloadable video; events stream until the end", arguments: APIFlowTests.backends)
    func render(store: StoreKind, files: FileBacking) async throws {
        let harness = try APIHarness(store: store, files: files)
        try await harness.run { client async throws in
            let boundary = "MixdownBoundary7XyZ"
            let recipe = """
                version: 1
                kind: render
                inputs: { voice: { upload: true }, cover: { upload: true, type: image } }
                steps:
                  - { from: voice, trim: { duration: 3s } }
                  - visualize: { size: 320x180, fps: 10, background: cover }
                  - title: "Over HTTP: it's [fine]"
                outputs: { video: { format: mp4 } }
                """
            let body = multipartBody(
                boundary: boundary,
                [
                    FormPart(name: "recipe", content: Data(recipe.utf8)),
                    FormPart(name: "voice", file: "voice.wav", content: try Data(contentsOf: URL(fileURLWithPath: try TestMedia.path("voice.wav")))),
                    FormPart(name: "cover", file: "cover.png", content: try Data(contentsOf: URL(fileURLWithPath: try TestMedia.path("cover.png")))),
                ]
            )
            let response = try await client.execute(
                uri: "/v1/render",
                method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                body: body
            )
            #expect(response.status == .accepted, "\(String(buffer: response.body))")
            let id = try #require(try response.json()["id"] as? String)
            let events = try await client.execute(uri: "/v1/jobs/\(id)/events", method: .get)
            #expect(events.headers[.contentType] == "text/event-stream")
            let stream = String(buffer: events.body)
            #expect(stream.contains("event: end\ndata: {") && stream.contains("\"status\":\"succeeded\""))
            let done = try await client.finished(id, route: "/v1/render")
            let output = try #require(((done["result"] as? [String: Any])?["outputs"] as? [[String: Any]])?.first)
            let video = try await client.download(try #require(output["streamUrl"] as? String))
            let file = harness.directory.appendingPathComponent("video.mp4")
            try video.body.write(to: file)
            let facts = try await TestMedia.facts(file.path)
            #expect(facts.hasVideo && facts.width == 320 && abs((facts.duration ?? 0) - 3) < 0.2)
        }
    }

    @Test("cancel and timeout through every route", arguments: StoreKind.allCases)
    func cancelAndTimeout(store: StoreKind) async throws {
        let harness = try APIHarness(timeouts: [.ingest: 600, .preview: 1, .save: 600, .render: 600], store: store)
        try await harness.run { client async throws in
            let assetId = try #require(try await client.upload(try TestMedia.path("voice.wav"), name: "voice.wav").json()["id"] as? String)
            let slow =
                "version: 1\nkind: edit\ninputs: { v: { asset: \(assetId) } }\nsteps:\n  - loop: { count: 300 }\n  - denoise: {}\noutputs: { o: { format: flac } }\n"
            let cancels: [(String, HTTPRequest.Method)] = [
                ("/v1/jobs/%@", .delete), ("/v1/jobs/%@/cancel", .post), ("/v1/edit/save/%@", .delete), ("/v1/render/%@", .delete),
                ("/v1/ingest/%@", .delete),
            ]
            for (template, method) in cancels {
                let (_, job) = try await client.json("/v1/edit/save", .post, body: "{\"recipe\": \(jsonString(slow))}")
                let id = try #require(job["id"] as? String)
                let (status, cancelled) = try await client.json(template.replacingOccurrences(of: "%@", with: id), method)
                #expect(status == .accepted)
                #expect(cancelled["status"] as? String == "cancelled" || cancelled["cancelRequested"] as? Bool == true)
                let done = try await client.finished(id, route: "/v1/edit/preview")
                #expect(done["status"] as? String == "cancelled", "\(template)")
            }
            // A preview past its 1 s limit fails with `timeout` (its window is reversed, so it must read all of it first).
            let slowPreview = slow.replacingOccurrences(of: "  - denoise: {}\n", with: "  - denoise: {}\n  - trim_silence: { where: end }\n")
            let (_, preview) = try await client.json(
                "/v1/edit/preview",
                .post,
                body: "{\"recipe\": \(jsonString(slowPreview)), \"preview\": {\"start\": 0, \"duration\": 10}}"
            )
            let timedOut = try await client.finished(try #require(preview["id"] as? String), route: "/v1/edit/preview")
            #expect(timedOut["status"] as? String == "failed" && (timedOut["error"] as? [String: Any])?["code"] as? String == "timeout")
        }
    }
}
