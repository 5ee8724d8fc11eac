import Foundation
import HTTPTypes
import HummingbirdTesting
import MixdownExecution
import MixdownJobs
import MixdownServer
import MixdownTestSupport
import NIOCore
import Testing

/// The web studio's routes and the API it relies on: the page and its files under a strict
/// Content-Security-Policy, `GET /v1/limits`, draft validation, and retrying a job. The page itself is
/// driven in a real browser by Tests/Studio/studio_test.py (`make test`).
@Suite("Web studio")
struct StudioTests {
    static let key = "studio-key-0123456789abcdef"
    static var auth: HTTPFields { [.authorization: "Bearer \(key)"] }

    @Test("GET / and /studio/{file} serve the page and its files under a CSP of the server's own origin, with no key; ETags give 304")
    func files() async throws {
        let harness = try APIHarness(apiKeys: [Self.key])
        try await harness.api.application().test(.live) { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = String(buffer: page.body)
            #expect(html.contains("<script src=\"/studio/studio.js\" defer></script>") && html.contains("Mixdown studio"))
            let policy = try #require(page.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self';") && policy.contains("connect-src 'self';"))
            #expect(policy.contains("require-trusted-types-for 'script'"))
            #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval") && !policy.contains("http"))
            #expect(page.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
            // Nothing inline: every script and style comes from its own file, as the policy demands.
            #expect(!html.contains("<style") && !html.contains("style=\""))
            #expect(html.range(of: #" on[a-z]+="#, options: .regularExpression) == nil)
            #expect(html.components(separatedBy: "<script").count == 2)
            for (name, type) in [("studio.js", "text/javascript; charset=utf-8"), ("studio.css", "text/css; charset=utf-8")] {
                let file = try await client.execute(uri: "/studio/\(name)", method: .get)
                #expect(file.status == .ok && file.headers[.contentType] == type)
                #expect(file.headers[HTTPField.Name("Content-Security-Policy")!] == policy)
                let etag = try #require(file.headers[.eTag])
                let again = try await client.execute(uri: "/studio/\(name)", method: .get, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified && again.body.readableBytes == 0)
                for header in ["W/\(etag)", "\"other\", \(etag)", "*"] {
                    #expect(
                        try await client.execute(uri: "/studio/\(name)", method: .get, headers: [.ifNoneMatch: header]).status == .notModified,
                        "\(header)"
                    )
                }
                let changed = try await client.execute(uri: "/studio/\(name)", method: .get, headers: [.ifNoneMatch: "\"other\""])
                #expect(changed.status == .ok && changed.body.readableBytes == file.body.readableBytes)
            }
            for path in ["/studio/nope.js", "/studio/..%2FPackage.swift", "/studio/", "/index.html"] {
                let missing = try await client.execute(uri: path, method: .get)
                #expect(missing.status == .notFound, "\(path)")
                #expect(missing.headers[.contentType] == "application/problem+json")
                if path.hasPrefix("/studio/") && path != "/studio/" {
                    #expect(missing.headers[HTTPField.Name("Content-Security-Policy")!] == policy, "\(path)")
                }
            }
            // The page holds no data: the API behind it still wants the key.
            #expect(try await client.status("/v1/limits") == .unauthorized)
        }
    }

    @Test("with bucket storage, players and the waveform may load from the bucket's origin, and from nowhere else")
    func bucketOrigin() async throws {
        let harness = try APIHarness(files: .bucket)
        let endpoint = try #require(URL(string: try S3TestServer.shared().endpoint))
        let origin = "\(endpoint.scheme ?? "http")://\(endpoint.host ?? "")" + (endpoint.port.map { ":\($0)" } ?? "")
        try await harness.api.application().test(.live) { client in
            let policy = try #require(try await client.execute(uri: "/", method: .get).headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(policy.contains("media-src 'self' \(origin) blob:;"), "\(policy)")
            #expect(policy.contains("connect-src 'self' \(origin);"), "\(policy)")
            #expect(policy.contains("img-src 'self' \(origin) data:;"), "\(policy)")
        }
    }

    @Test("GET /v1/limits reports the caps the server enforces")
    func limits() async throws {
        let harness = try APIHarness(apiKeys: [Self.key], maxUploadBytes: 1_234_567, maxDurationSeconds: 95)
        try await harness.api.application().test(.live) { client in
            let (status, limits) = try await client.json("/v1/limits", headers: Self.auth)
            #expect(status == .ok)
            #expect(limits["maxUploadBytes"] as? Int == 1_234_567)
            #expect(limits["maxDurationSeconds"] as? Double == 95)
            #expect(limits["maxPreviewSeconds"] as? Double == 600)
            #expect(limits["maxRecipeBytes"] as? Int == 1 << 20)
        }
    }

    static let recipe = """
        version: 1
        kind: edit
        name: studio-check
        params:
          boost: 3
        inputs:
          voice: { upload: true }
        steps:
          - gain: "${boost}dB"
        outputs:
          out: { format: wav }

        """

    @Test("validate?draft=true checks the document alone and lists its uploads and params; a plain validate still wants the upload")
    func draftValidation() async throws {
        let harness = try APIHarness()
        try await harness.api.application().test(.live) { client in
            let body = "{\"recipe\": \(jsonString(Self.recipe)), \"params\": {\"boost\": 5}}"
            let (status, draft) = try await client.json("/v1/recipes/validate?draft=true", .post, body: body)
            #expect(status == .ok)
            #expect(draft["uploads"] as? [String] == ["voice"] && draft["inputs"] as? [String] == ["voice"])
            #expect(draft["params"] as? [String: String] == ["boost": "5"])
            #expect(draft["kind"] as? String == "edit" && draft["outputs"] as? [String] == ["out"])
            let (plain, problem) = try await client.json("/v1/recipes/validate", .post, body: body)
            #expect(plain == .unprocessableContent)
            let errors = try #require(problem["errors"] as? [[String: Any]])
            #expect(errors.first?["code"] as? String == "missing-input")
            // In the API's own terms, not the command line's.
            let message = errors.first?["message"] as? String ?? ""
            #expect(message.contains("inputs.voice") && !message.contains("--input"), "\(message)")
            // A draft is still held to everything else: a broken step at its line, server files refused.
            let broken = Self.recipe.replacingOccurrences(of: "  - gain: \"${boost}dB\"", with: "  - reverse_time: {}")
            let (bad, brokenProblem) = try await client.json("/v1/recipes/validate?draft=1", .post, body: "{\"recipe\": \(jsonString(broken))}")
            #expect(bad == .unprocessableContent)
            let location = try #require((brokenProblem["errors"] as? [[String: Any]])?.first?["location"] as? [String: Any])
            #expect(location["line"] as? Int == 9)
            let local = Self.recipe.replacingOccurrences(of: "{ upload: true }", with: "{ file: /etc/hostname }")
            let (refused, localProblem) = try await client.json("/v1/recipes/validate?draft=true", .post, body: "{\"recipe\": \(jsonString(local))}")
            #expect(refused == .unprocessableContent)
            #expect((localProblem["errors"] as? [[String: Any]])?.first?["code"] as? String == "file-input-not-allowed")
            #expect(try await client.json("/v1/recipes/validate?draft=maybe", .post, body: body).0 == .badRequest)
        }
    }

    @Test("a JSON preview is {start, duration} in seconds or the query's \"START,DURATION\" text; anything else says which forms it takes")
    func previewForms() async throws {
        let harness = try APIHarness()
        let tone = harness.directory.appendingPathComponent("tone.wav").path
        try TestMedia.generate("sine=f=440:d=4", to: tone)
        try await harness.api.application().test(.live) { client in
            let assetId = try #require(try await client.upload(tone, name: "tone.wav").json()["id"] as? String)
            let start = "{\"recipe\": \(jsonString(Self.recipe)), \"inputs\": {\"voice\": \"\(assetId)\"}, \"preview\": "
            for form in ["{\"start\": 1, \"duration\": 2}", "\"1,2\"", "\"1s,2000ms\""] {
                let (status, job) = try await client.json("/v1/jobs", .post, body: start + form + "}")
                #expect(status == .accepted && job["type"] as? String == "preview", "\(form)")
            }
            for form in ["\"soon\"", "\"1,0\"", "12"] {
                let (status, problem) = try await client.json("/v1/jobs", .post, body: start + form + "}")
                #expect(status == .badRequest && problem["code"] as? String == "bad-json", "\(form)")
                if form != "12" { #expect((problem["detail"] as? String ?? "").contains("START,DURATION"), "\(form)") }
            }
        }
    }

    @Test("retry queues a cancelled job again, the same job with its params, asset and preview, and it runs; queued and succeeded jobs are 409")
    func retry() async throws {
        let harness = try APIHarness()
        let tone = harness.directory.appendingPathComponent("tone.wav").path
        try TestMedia.generate("sine=f=440:d=4:sample_rate=48000", to: tone)
        let (cancelled, queued) = try await harness.api.application().test(.live) { client in
            let asset = try await client.upload(tone, name: "tone.wav").json()
            let assetId = try #require(asset["id"] as? String)
            let body = """
                {"recipe": \(jsonString(Self.recipe)), "params": {"boost": -6}, "inputs": {"voice": "\(assetId)"},
                 "preview": {"start": 1, "duration": 2}, "notifyUrl": "http://127.0.0.1:9/hook"}
                """
            // No worker: jobs stay queued.
            let (_, first) = try await client.json("/v1/jobs", .post, body: body)
            let id = try #require(first["id"] as? String)
            let (conflict, problem) = try await client.json("/v1/jobs/\(id)/retry", .post)
            #expect(conflict == .conflict && problem["code"] as? String == "not-retryable")
            #expect(try await client.json("/v1/jobs/\(id)/cancel", .post).0 == .accepted)
            let pending = try await client.json("/v1/jobs/\(id)").1["notification"] as? [String: Any]
            #expect(pending?["status"] as? String == "pending")
            let (_, second) = try await client.json("/v1/jobs", .post, body: body)
            #expect(try await client.json("/v1/jobs/job_00000000000000000000000000/retry", .post).0 == .notFound)
            return (id, try #require(second["id"] as? String))
        }
        try await harness.run { client async throws in
            let (status, retried) = try await client.json("/v1/jobs/\(cancelled)/retry", .post)
            #expect(status == .accepted)
            #expect(retried["id"] as? String == cancelled && retried["status"] as? String == "queued" && retried["type"] as? String == "preview")
            #expect(retried["error"] == nil && retried["finishedAt"] == nil)
            // The cancelled end's webhook, still pending, is dropped: a receiver must never be told of a job
            // that has not ended. The retried job's own end makes a new one.
            #expect(retried["notification"] == nil, "\(retried)")
            let done = try await client.finished(cancelled)
            #expect(done["status"] as? String == "succeeded")
            let output = try #require(((done["result"] as? [String: Any])?["outputs"] as? [[String: Any]])?.first)
            // The preview window stayed: 2 s of the 4 s upload.
            #expect(abs((output["durationSeconds"] as? Double ?? 0) - 2) < 0.05)
            let file = try await client.download(try #require(output["downloadUrl"] as? String))
            let path = harness.directory.appendingPathComponent("retried.wav").path
            try file.body.write(to: URL(fileURLWithPath: path))
            // The params stayed: -6 dB on lavfi's sine (amplitude 1/8, -18.06 dBFS) peaks at -24.08 dBFS.
            let peak = try await TestMedia.loudness(path).samplePeakDbfs
            #expect(abs(peak - (-24.08)) < 0.2, "\(peak)")
            #expect(try await client.finished(queued)["status"] as? String == "succeeded")
            let (conflict, problem) = try await client.json("/v1/jobs/\(queued)/retry", .post)
            #expect(conflict == .conflict && problem["code"] as? String == "not-retryable")
        }
    }

    @Test("a job from the command line, which may read server files, is not retried over the network")
    func retryRefusesServerFiles() async throws {
        let harness = try APIHarness()
        let folder = harness.directory.appendingPathComponent("recipes")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try TestMedia.generate("sine=f=440:d=2", to: folder.appendingPathComponent("local.wav").path)
        let local = "version: 1\nkind: edit\ninputs:\n  v: { file: local.wav }\noutputs:\n  o: { format: wav }\n"
        let job = try await JobSubmitter(services: harness.services).submit(recipe: local, recipeName: "local.yaml", recipeDirectory: folder.path)
        _ = try await harness.services.store.cancel(id: job.id)
        try await harness.api.application().test(.live) { client in
            let (status, problem) = try await client.json("/v1/jobs/\(job.id)/retry", .post)
            #expect(status == .unprocessableContent && problem["code"] as? String == "file-input-not-allowed")
            #expect(try await client.json("/v1/jobs/\(job.id)").1["status"] as? String == "cancelled")
        }
    }
}
