import Foundation
import HTTPTypes
import HummingbirdTesting
import MixdownJobs
import MixdownRecipe
import MixdownServer
import MixdownTestSupport
import NIOCore
import Testing

/// Bad input gets its documented status and a problem document, and changes nothing.
@Suite("API bad input")
struct APIBadInputTests {
    static func problem(_ response: TestResponse) throws -> [String: Any] {
        #expect(response.headers[.contentType] == "application/problem+json")
        let document = try response.json()
        // RFC 9457: a title for every problem, its status's reason phrase.
        #expect((document["title"] as? String)?.isEmpty == false, "\(document)")
        return document
    }

    @Test("a problem made from an error's code alone still has its status's title (an unknown asset, 422)")
    func titleFromCode() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            let response = try await client.execute(
                uri: "/v1/recipes/plan",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(
                    string: #"{"recipe": "version: 1\nkind: edit\ninputs: { v: { asset: ast_nope } }\noutputs: { o: { format: wav } }\n"}"#
                )
            )
            #expect(response.status == .unprocessableContent)
            let problem = try Self.problem(response)
            #expect(problem["code"] as? String == "unknown-asset")
            #expect(problem["title"] as? String == "Unprocessable Content", "\(problem)")
        }
    }

    @Test("malformed YAML is a 422 with the validator's line and column; no job exists")
    func malformedYAML() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            let response = try await client.execute(
                uri: "/v1/jobs",
                method: .post,
                headers: [.contentType: "application/yaml"],
                body: ByteBuffer(string: "version: 1\nkind: edit\ninputs: { v: { upload: true }\nsteps: []\n")
            )
            #expect(response.status == .unprocessableContent)
            let problem = try Self.problem(response)
            #expect(problem["code"] as? String == "invalid-recipe")
            let error = try #require((problem["errors"] as? [[String: Any]])?.first)
            #expect((error["location"] as? [String: Any])?["line"] as? Int == 4)
            let (_, list) = try await client.json("/v1/jobs")
            #expect((list["jobs"] as? [Any])?.isEmpty == true)
        }
        #expect(harness.storedFiles().isEmpty)
    }

    @Test("an invalid recipe's problem document is the parser's own error: the same code, message, location and retry verdict")
    func problemIsTheParsersError() async throws {
        let text = "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - loudnorm: { target: -3 }\noutputs: { o: {} }\n"
        var parsed: RecipeError?
        do { _ = try RecipeParser().parse(text, file: "recipe.yaml") } catch { parsed = error }
        let expected = try #require(parsed?.diagnostics.first)
        let harness = try APIHarness()
        try await harness.run { client async throws in
            let response = try await client.execute(
                uri: "/v1/recipes/validate",
                method: .post,
                headers: [.contentType: "application/yaml"],
                body: ByteBuffer(string: text)
            )
            #expect(response.status == .unprocessableContent)
            let problem = try Self.problem(response)
            #expect(problem["code"] as? String == "invalid-recipe" && problem["retryable"] as? Bool == false)
            #expect(problem["type"] as? String == "https://mixdown.dev/problems/invalid-recipe")
            let errors = try #require(problem["errors"] as? [[String: Any]])
            let error = try #require(errors.first { $0["code"] as? String == expected.code.rawValue }, "\(errors)")
            #expect(error["message"] as? String == expected.message)
            #expect(error["retryable"] as? Bool == false)
            let location = try #require(error["location"] as? [String: Any])
            #expect(location["line"] as? Int == expected.location?.line && location["column"] as? Int == expected.location?.column)
            // The document as a whole is located at its first problem.
            let first = try #require(errors.first?["location"] as? [String: Any])
            #expect((problem["location"] as? [String: Any])?["line"] as? Int == first["line"] as? Int)
        }
    }

    @Test("a bad param in a JSON submission points at its member")
    func paramPointer() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            let recipe =
                "version: 1\nkind: edit\nparams: { g: -3 }\ninputs: { v: { upload: true } }\nsteps:\n  - gain: \"${g}\"\noutputs: { o: {} }\n"
            let response = try await client.execute(
                uri: "/v1/recipes/validate",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"recipe": \#(jsonString(recipe)), "params": {"g": "abc"}}"#)
            )
            #expect(response.status == .unprocessableContent)
            let errors = try #require(try Self.problem(response)["errors"] as? [[String: Any]])
            let bad = try #require(errors.first { $0["code"] as? String == "bad-param" }, "\(errors)")
            #expect(bad["pointer"] as? String == "/params/g")
        }
    }

    @Test("a 101 MB upload is refused with 413 (from its Content-Length, before it is read); nothing is stored")
    func oversizedUpload() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            let response = try await client.execute(
                uri: "/v1/uploads?filename=big.wav",
                method: .post,
                headers: [.contentType: "audio/wav"],
                body: ByteBuffer(repeating: 0, count: 101_000_000)
            )
            #expect(response.status == .contentTooLarge)
            #expect(try Self.problem(response)["code"] as? String == "too-large")
        }
        #expect(harness.storedFiles().isEmpty)
    }

    @Test("a 31-minute upload is refused with 422 after probing; nothing is stored")
    func overlongUpload() async throws {
        let harness = try APIHarness()
        let long = harness.directory.appendingPathComponent("long.mp3").path
        try TestMedia.generate("anullsrc=r=8000:cl=mono", to: long, extra: ["-t", "1860", "-c:a", "libmp3lame", "-b:a", "8k"])
        try await harness.run { client async throws in
            let response = try await client.upload(long, name: "long.mp3", type: "audio/mpeg")
            #expect(response.status == .unprocessableContent)
            #expect(try Self.problem(response)["code"] as? String == "too-long")
        }
        #expect(harness.storedFiles().isEmpty)
    }

    @Test("unknown ids are 404 problem documents on every route")
    func unknownIds() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            for uri in [
                "/v1/jobs/job_01M8AKPM2RP9WFKRFDP5V5E8FX", "/v1/ingest/job_01M8AKPM2RP9WFKRFDP5V5E8FX", "/v1/jobs/nonsense",
                "/v1/assets/ast_01M8AKPM2RP9WFKRFDP5V5E8FX",
            ] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .notFound, "\(uri)")
                #expect(try Self.problem(response)["code"] as? String == "not-found")
            }
            let cancel = try await client.execute(uri: "/v1/jobs/job_01M8AKPM2RP9WFKRFDP5V5E8FX", method: .delete)
            #expect(cancel.status == .notFound)
        }
    }

    @Test("forged, altered and expired signed URLs are 403; the real one works")
    func signedURLs() async throws {
        let harness = try APIHarness(apiKeys: ["test-key-0123456789abcdef"])
        let auth: HTTPFields = [.authorization: "Bearer test-key-0123456789abcdef"]
        try await harness.run { client async throws in
            let asset = try await client.upload(try TestMedia.path("intro.wav"), name: "intro.wav", headers: auth).json()
            let url = try #require(asset["streamUrl"] as? String)
            #expect(try await client.status(url) == .ok)
            let forged = url.replacingOccurrences(of: "signature=", with: "signature=A")
            #expect(try await client.status(forged) == .forbidden)
            let extended = url.replacingOccurrences(of: "expires=", with: "expires=9")
            #expect(try await client.status(extended) == .forbidden)
            let expiredPath =
                "/v1/assets/\(asset["id"] as! String)/content?expires=1000&signature=\(harness.api.signer.signature(method: "GET", key: asset["key"] as! String, expires: 1000))"
            #expect(try await client.status(expiredPath) == .forbidden)
            let bare = "/v1/assets/\(asset["id"] as! String)/content"
            #expect(try await client.status(bare) == .unauthorized)
            #expect(try await client.status(bare, headers: auth) == .ok)
        }
    }

    @Test("API keys guard /v1 and compare exactly; health stays open")
    func apiKeys() async throws {
        let harness = try APIHarness(apiKeys: ["test-key-0123456789abcdef", "second-key-0123456789abcdef"])
        try await harness.run { client async throws in
            #expect(try await client.status("/healthz") == .ok)
            #expect(try await client.status("/v1/jobs") == .unauthorized)
            // Spellings the router still resolves get no way around the key.
            for path in ["//v1/jobs", "/v1//jobs", "/v1/jobs/", "///v1/jobs"] {
                let status = try await client.status(path)
                #expect(status == .unauthorized || status == .notFound, "\(path): \(status)")
            }
            #expect(try await client.status("/v1/jobs", headers: [.authorization: "Bearer test-key-0123456789abcdeX"]) == .unauthorized)
            #expect(try await client.status("/v1/jobs", headers: [.authorization: "Bearer test-key-0123456789abcde"]) == .unauthorized)
            #expect(try await client.status("/v1/jobs", headers: [.authorization: "Bearer second-key-0123456789abcdef"]) == .ok)
        }
    }

    @Test("the render webhook needs the exact secret")
    func webhook() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            let body = ByteBuffer(
                string:
                    "{\"jobId\": \"job_01M8AKPM2RP9WFKRFDP5V5E8FX\", \"dispatchId\": \"d1\", \"status\": \"failed\", \"outputs\": [], \"error\": {\"code\": \"ffmpeg-failed\", \"message\": \"no\"}}"
            )
            for header in ["Bearer wrong", "Bearer render-webhook-secret-012345678", "render-webhook-secret-0123456789", ""] {
                let response = try await client.execute(uri: "/v1/webhooks/render", method: .post, headers: [.authorization: header], body: body)
                #expect(response.status == .unauthorized, "\(header)")
            }
            let accepted = try await client.execute(
                uri: "/v1/webhooks/render",
                method: .post,
                headers: [.authorization: "Bearer render-webhook-secret-0123456789", .contentType: "application/json"],
                body: body
            )
            // The right secret gets through to the callback's checks: this job does not exist.
            let answer = try accepted.json()
            #expect(accepted.status == .ok && answer["status"] as? String == "ignored")
        }
    }

    @Test("uploads are stored and served only as media: HTML becomes octet-stream, with nosniff")
    func contentTypes() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            let asset = try await client.upload(try TestMedia.path("intro.wav"), name: "page.html", type: "text/html; charset=utf-8").json()
            #expect(asset["contentType"] as? String == "application/octet-stream")
            let served = try await client.execute(uri: try #require(asset["streamUrl"] as? String), method: .get)
            #expect(served.headers[.contentType] == "application/octet-stream")
            #expect(served.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            let audio = try await client.upload(try TestMedia.path("intro.wav"), name: "intro.wav", type: "audio/wav").json()
            #expect(audio["contentType"] as? String == "audio/wav")
        }
    }

    @Test("a multipart upload with a mixed-case boundary and no recipe part stores the file")
    func multipartUpload() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            let boundary = "----WebKitFormBoundaryAbC123xYz"
            let intro = try Data(contentsOf: URL(fileURLWithPath: try TestMedia.path("intro.wav")))
            let body = multipartBody(boundary: boundary, [FormPart(name: "file", file: "intro.wav", type: "audio/wav", content: intro)])
            let response = try await client.execute(
                uri: "/v1/uploads",
                method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                body: body
            )
            #expect(response.status == .created, "\(String(buffer: response.body))")
            #expect(try response.json()["durationSeconds"] as? Double == 4)
            // A job body that lacks the recipe part is still refused, and leaves nothing behind.
            let noRecipe = try await client.execute(
                uri: "/v1/jobs",
                method: .post,
                headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
                body: body
            )
            #expect(noRecipe.status == .badRequest && (try? noRecipe.json()["code"] as? String) == "missing-recipe")
        }
        #expect(harness.storedFiles().count == 1)
    }

    @Test("path traversal in upload names stays inside storage; traversal in routes matches nothing")
    func traversal() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            let asset = try await client.upload(try TestMedia.path("intro.wav"), name: "..%2F..%2F..%2Fetc%2Fpasswd").json()
            let key = try #require(asset["key"] as? String)
            #expect(key.hasPrefix("uploads/ast_") && !key.contains(".."))
            for uri in ["/v1/assets/../../etc/passwd/content", "/v1/assets/ast_x/../../../etc/passwd"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .notFound, "\(uri)")
            }
        }
        #expect(harness.storedFiles().count == 1)
    }

    @Test("the same Idempotency-Key and body return the same job; another body is a 409")
    func idempotency() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            let recipe = "version: 1\nkind: edit\ninputs: { v: { url: \"http://127.0.0.1:9/none.wav\" } }\noutputs: { o: {} }\n"
            let headers: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "abc-123"]
            let (first, a) = try await client.json("/v1/jobs", .post, headers: headers, body: "{\"recipe\": \(jsonString(recipe))}")
            let (second, b) = try await client.json("/v1/jobs", .post, headers: headers, body: "{\"recipe\": \(jsonString(recipe))}")
            #expect(first == .accepted && second == .accepted && a["id"] as? String == b["id"] as? String)
            let (conflict, problem) = try await client.json(
                "/v1/jobs",
                .post,
                headers: headers,
                body: "{\"recipe\": \(jsonString(recipe + "# changed\n"))}"
            )
            #expect(conflict == .conflict && problem["code"] as? String == "idempotency-conflict")
        }
    }

    @Test("listing pages with a cursor and filters by type and status")
    func listing() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            let recipe = "version: 1\nkind: ingest\ninputs: { v: { url: \"http://127.0.0.1:9/none.wav\" } }\noutputs: { o: {} }\n"
            for _ in 0..<3 { _ = try await client.json("/v1/ingest", .post, body: "{\"recipe\": \(jsonString(recipe))}") }
            let (_, first) = try await client.json("/v1/jobs?type=ingest&limit=2")
            #expect((first["jobs"] as? [Any])?.count == 2)
            let cursor = try #require(first["nextCursor"] as? String)
            let (_, second) = try await client.json("/v1/jobs?type=ingest&limit=2&cursor=\(cursor)")
            #expect((second["jobs"] as? [Any])?.count == 1 && second["nextCursor"] == nil)
            let (bad, _) = try await client.json("/v1/jobs?status=done")
            #expect(bad == .badRequest)
        }
    }
}

@Suite("API JSON")
struct APIJSONTests {
    @Test("hand-written job JSON escapes whatever a client put in it")
    func escaping() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            let name = "quote\" back\\slash\nnew line\u{01}\ttab ünï ✓ </script>"
            let recipe = "version: 1\nkind: edit\ninputs: { v: { url: \"http://127.0.0.1:9/x.wav\" } }\noutputs: { o: {} }\n"
            let document = try JSONSerialization.data(withJSONObject: ["recipe": recipe, "name": name])
            let created = try await client.execute(
                uri: "/v1/jobs",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(bytes: document)
            )
            let id = try #require(try created.json()["id"] as? String)
            for uri in ["/v1/jobs/\(id)", "/v1/jobs?limit=1"] {
                let response = try await client.execute(uri: uri, method: .get)
                let parsed = try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
                let job = uri.contains("?") ? try #require((parsed["jobs"] as? [[String: Any]])?.first) : parsed
                #expect(job["recipeName"] as? String == name, "\(uri)")
            }
        }
    }
}

@Suite("API operations")
struct APIOperationsTests {
    @Test("health, readiness and Prometheus metrics with request counts and job counts")
    func operations() async throws {
        let harness = try APIHarness()
        try await harness.run { client async throws in
            #expect(try await client.status("/healthz") == .ok)
            #expect(try await client.status("/readyz") == .ok)
            _ = try await client.json("/v1/jobs/job_01M8AKPM2RP9WFKRFDP5V5E8FX")
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: metrics.body)
            #expect(text.contains("mixdown_jobs{status=\"queued\"} 0"), "this test's store is empty")
            // The registry is per process and other tests share it: counts are at least this test's own.
            func count(_ prefix: String) -> Double {
                text.split(separator: "\n").first { $0.hasPrefix(prefix) }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
            }
            #expect(
                count("http_server_request_duration_count{http_route=\"/healthz\",http_request_method=\"GET\",http_response_status_code=\"200\"}")
                    >= 1
            )
            #expect(count("hb_request_errors{http_route=\"/v1/jobs/{jobId}\",http_request_method=\"GET\",error_type=\"404\"}") >= 1)
        }
    }
}
