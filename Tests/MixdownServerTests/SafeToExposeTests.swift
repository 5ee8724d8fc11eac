import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MixdownJobs
import MixdownServer
import MixdownTestSupport
import NIOCore
import Testing

/// What a hostile or careless client and a failing store must not be able to do to the server.
@Suite("Safe to expose")
struct SafeToExposeTests {
    static let uploadRecipe = "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - gain: -6dB\noutputs: { o: { format: wav } }\n"

    func jobCount(_ harness: APIHarness) async throws -> Int {
        try await harness.services.store.list(type: nil, status: nil, limit: 500, cursor: nil).jobs.count
    }

    @Test("a multipart file past the byte cap is 413 on /v1/jobs and /v1/uploads, and nothing is kept")
    func multipartByteCap() async throws {
        let harness = try APIHarness(maxUploadBytes: 50_000)
        let big = try Data(contentsOf: URL(fileURLWithPath: try TestMedia.path("voice.wav")))
        #expect(big.count > 50_000)
        try await harness.run { client in
            let job = try await client.multipart(
                "/v1/jobs",
                [
                    FormPart(name: "recipe", content: Data(Self.uploadRecipe.utf8)),
                    FormPart(name: "v", file: "voice.wav", type: "audio/wav", content: big),
                ]
            )
            #expect(job.status == .contentTooLarge)
            #expect(job.headers[.contentType] == "application/problem+json")
            let upload = try await client.multipart("/v1/uploads", [FormPart(name: "v", file: "voice.wav", type: "audio/wav", content: big)])
            #expect(upload.status == .contentTooLarge)
        }
        #expect(try await jobCount(harness) == 0)
        #expect(harness.storedFiles() == [])
    }

    @Test("a multipart file past the duration cap is 422 on /v1/jobs, /v1/uploads and validate, before any job exists")
    func multipartDurationCap() async throws {
        let harness = try APIHarness(maxDurationSeconds: 5)
        let long = try Data(contentsOf: URL(fileURLWithPath: try TestMedia.path("voice.wav")))
        try await harness.run { client in
            for route in ["/v1/jobs", "/v1/edit/save", "/v1/recipes/validate"] {
                let response = try await client.multipart(
                    route,
                    [
                        FormPart(name: "recipe", content: Data(Self.uploadRecipe.utf8)),
                        FormPart(name: "v", file: "voice.wav", type: "audio/wav", content: long),
                    ]
                )
                #expect(response.status == .unprocessableContent, "\(route)")
                #expect(try response.json()["code"] as? String == "too-long", "\(route)")
            }
            let upload = try await client.multipart("/v1/uploads", [FormPart(name: "v", file: "voice.wav", type: "audio/wav", content: long)])
            #expect(upload.status == .unprocessableContent)
            #expect(try upload.json()["code"] as? String == "too-long")
        }
        #expect(try await jobCount(harness) == 0)
        #expect(harness.storedFiles() == [])
    }

    @Test("multipart: a filename on the recipe part is still the recipe; each file keeps its part's type and name")
    func multipartDispositions() async throws {
        let harness = try APIHarness()
        let audio = try Data(contentsOf: URL(fileURLWithPath: try TestMedia.path("intro.wav")))
        try await harness.run { client in
            let boundary = "Disposition-Boundary"
            let headers: HTTPFields = [.contentType: "multipart/form-data; boundary=\(boundary)"]
            var body = Data()
            // Written by hand: quoted names holding ';', an escaped quote, and an RFC 8187 filename*.
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"recipe\"; filename=\"episode; v2.yaml\"\r\n".utf8)
            body += Data("Content-Type: application/yaml\r\n\r\n\(Self.uploadRecipe)\r\n".utf8)
            body += Data("--\(boundary)\r\nContent-Disposition: form-data; filename=\"x\\\"y.wav\"; name=v; filename*=UTF-8''caf%C3%A9.wav\r\n".utf8)
            body += Data("Content-Type: audio/wav\r\n\r\n".utf8) + audio + Data("\r\n--\(boundary)--\r\n".utf8)
            let response = try await client.execute(uri: "/v1/jobs", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            #expect(response.status == .accepted, "\(String(buffer: response.body))")
            let job = try await client.finished(try #require(try response.json()["id"] as? String))
            #expect(job["status"] as? String == "succeeded")

            let upload = try await client.multipart("/v1/uploads", [FormPart(name: "voice", file: "talk.wav", type: "audio/wav", content: audio)])
            #expect(upload.status == .created)
            let asset = try upload.json()
            #expect(asset["contentType"] as? String == "audio/wav")
            #expect(asset["name"] as? String == "talk.wav")
        }
        let listed = try #require(try await harness.services.store.list(type: nil, status: nil, limit: 10, cursor: nil).jobs.first)
        let stored = try #require(try await harness.services.store.job(id: listed.id))
        let assetId = try #require(stored.parameters.uploads["v"])
        let asset = try #require(try await harness.services.store.asset(id: assetId))
        #expect(asset.contentType == "audio/wav")
        #expect(asset.name == "caf_.wav")
    }

    @Test("Content-Disposition: quoted strings, escapes, filename* and case-insensitive parameter names")
    func contentDispositionParser() throws {
        let plain = try #require(ContentDisposition("form-data; name=\"recipe\"; filename=\"a;b.yaml\""))
        #expect(plain.name == "recipe" && plain.filename == "a;b.yaml")
        let extended = try #require(ContentDisposition("FORM-DATA; NAME=voice; Filename=\"x.wav\"; FILENAME*=utf-8'en'%E2%82%AC.wav"))
        #expect(extended.type == "form-data" && extended.name == "voice" && extended.filename == "€.wav")
        let escaped = try #require(ContentDisposition(#"form-data; name="a\"b"; "#))
        #expect(escaped.name == "a\"b")
        for bad in ["", "; name=x", "form-data; name", "form-data; name=\"unterminated", "form-data; =x", "form-data name=x"] {
            #expect(ContentDisposition(bad) == nil, "\(bad)")
        }
    }

    @Test("notifyUrl with another scheme, a private host or no host is refused at submission with 422")
    func notifyURLRefusedAtSubmission() async throws {
        let harness = try APIHarness(configure: { $0.allowPrivateURLs = false })
        try await harness.run { client in
            let asset = try await client.upload(try TestMedia.path("intro.wav"), name: "intro.wav").json()
            let id = try #require(asset["id"] as? String)
            for url in [
                "ftp://example.com/hook", "http://127.0.0.1:9/hook", "http://10.1.2.3/hook", "http://[::1]/hook", "file:///etc/passwd", "hook",
            ] {
                let body = "{\"recipe\": \(jsonString(Self.uploadRecipe)), \"inputs\": {\"v\": \"\(id)\"}, \"notifyUrl\": \"\(url)\"}"
                let (status, problem) = try await client.json("/v1/jobs", .post, body: body)
                #expect(status == .unprocessableContent, "\(url)")
                #expect(problem["code"] as? String == "bad-notify-url", "\(url)")
            }
        }
        #expect(try await jobCount(harness) == 0)
    }

    @Test("Idempotency-Key longer than the documented 200 characters, or not visible ASCII, is 400")
    func idempotencyKeyLimits() async throws {
        let harness = try APIHarness()
        try await harness.run { client in
            let asset = try await client.upload(try TestMedia.path("intro.wav"), name: "intro.wav").json()
            let body = "{\"recipe\": \(jsonString(Self.uploadRecipe)), \"inputs\": {\"v\": \"\(asset["id"] as? String ?? "")\"}}"
            for key in [String(repeating: "k", count: 201), "has space"] {
                let (status, problem) = try await client.json("/v1/jobs", .post, headers: [HTTPField.Name("Idempotency-Key")!: key], body: body)
                #expect(status == .badRequest)
                #expect(problem["code"] as? String == "bad-idempotency-key")
            }
            let (status, _) = try await client.json(
                "/v1/jobs",
                .post,
                headers: [HTTPField.Name("Idempotency-Key")!: String(repeating: "k", count: 200)],
                body: body
            )
            #expect(status == .accepted)
        }
    }

    @Test("validate gives the submission's verdict on the same body: server files, missing uploads, unknown assets")
    func validateMatchesSubmission() async throws {
        let harness = try APIHarness()
        try await harness.run { client in
            let fileRecipe =
                "version: 1\nkind: edit\ninputs: { v: { file: /etc/hostname } }\nsteps:\n  - gain: -6dB\noutputs: { o: { format: wav } }\n"
            let bodies = [
                "{\"recipe\": \(jsonString(fileRecipe))}",
                "{\"recipe\": \(jsonString(Self.uploadRecipe))}",
                "{\"recipe\": \(jsonString(Self.uploadRecipe)), \"inputs\": {\"v\": \"ast_00000000000000000000000000\"}}",
            ]
            for body in bodies {
                let (validateStatus, validateProblem) = try await client.json("/v1/recipes/validate", .post, body: body)
                let (submitStatus, submitProblem) = try await client.json("/v1/jobs", .post, body: body)
                #expect(validateStatus == .unprocessableContent)
                #expect(validateStatus == submitStatus, "\(body)")
                #expect(validateProblem["code"] as? String == submitProblem["code"] as? String, "\(body)")
            }
        }
        #expect(try await jobCount(harness) == 0)
    }

    @Test("a store another process keeps locked: /readyz is 503, a submission is a 5xx problem document, the worker lives on")
    func lockedStore() async throws {
        let harness = try APIHarness(configure: { $0.storeBusySeconds = 0.2 })
        try await harness.run { client in
            let asset = try await client.upload(try TestMedia.path("intro.wav"), name: "intro.wav").json()
            let body = "{\"recipe\": \(jsonString(Self.uploadRecipe)), \"inputs\": {\"v\": \"\(asset["id"] as? String ?? "")\"}}"
            #expect(try await client.status("/readyz") == .ok)
            let locker = try StoreLocker(path: harness.storePath)
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.headers[.contentType] == "application/problem+json")
            let refused = try await client.execute(
                uri: "/v1/jobs",
                method: .post,
                headers: [.contentType: "application/json"],
                body: ByteBuffer(string: body)
            )
            #expect(refused.status.code >= 500)
            #expect(refused.headers[.contentType] == "application/problem+json")
            let problem = try refused.json()
            #expect(problem["status"] as? Int == Int(refused.status.code))
            #expect(!(problem["detail"] as? String ?? "/").contains(harness.directory.path))
            locker.release()
            #expect(try await client.status("/readyz") == .ok)
            // The embedded worker survived the failed claims and still runs jobs.
            let (status, job) = try await client.json("/v1/jobs", .post, body: body)
            #expect(status == .accepted)
            let finished = try await client.finished(try #require(job["id"] as? String))
            #expect(finished["status"] as? String == "succeeded")
        }
    }
}

extension SafeToExposeTests {
    @Test("a damaged stored input: refused at submission, and a job that meets it fails, both without the server's paths")
    func errorsHideServerPaths() async throws {
        let harness = try APIHarness()
        try await harness.run { client in
            let asset = try await client.upload(try TestMedia.path("intro.wav"), name: "intro.wav").json()
            let id = try #require(asset["id"] as? String)
            // The stored object is damaged after it was accepted (a disk error, an operator's mistake).
            let key = try #require(asset["key"] as? String)
            try Data(repeating: 0x41, count: 4096).write(to: harness.directory.appendingPathComponent("storage/\(key)"))
            let body = "{\"recipe\": \(jsonString(Self.uploadRecipe)), \"inputs\": {\"v\": \"\(id)\"}}"
            let (status, problem) = try await client.json("/v1/jobs", .post, body: body)
            #expect(status == .unprocessableContent)
            let detail = try #require(problem["detail"] as? String)
            #expect(!detail.contains(harness.directory.path) && !detail.contains(FileManager.default.temporaryDirectory.path + "/"), "\(detail)")
            // A job that was admitted before the damage meets it in the worker.
            let job = try await JobSubmitter(services: harness.services).submit(recipe: Self.uploadRecipe, recipeName: "r.yaml", assets: ["v": id])
            let finished = try await client.finished(job.id)
            #expect(finished["status"] as? String == "failed")
            let message = try #require((finished["error"] as? [String: Any])?["message"] as? String)
            #expect(!message.isEmpty)
            #expect(!message.contains(harness.directory.path), "\(message)")
            #expect(!message.contains(FileManager.default.temporaryDirectory.path + "/"), "\(message)")
        }
    }
}

extension SafeToExposeTests {
    @Test("a recipe whose step id repeats a step's or an input's name is 422 with its location, and the server goes on")
    func duplicateIdsOverHTTP() async throws {
        let harness = try APIHarness()
        try await harness.run { client in
            let recipes = [
                "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - { id: a, gain: -3dB }\n  - { id: a, gain: -3dB }\noutputs: { a: { format: wav } }\n",
                "version: 1\nkind: edit\ninputs: { v: { upload: true } }\nsteps:\n  - { id: v, gain: -3dB }\noutputs: { v: { format: wav } }\n",
            ]
            for recipe in recipes {
                for route in ["/v1/recipes/validate", "/v1/jobs", "/v1/edit/save"] {
                    let (status, problem) = try await client.json(route, .post, body: recipe, type: "application/yaml")
                    #expect(status == .unprocessableContent, "\(route)")
                    let errors = problem["errors"] as? [[String: Any]] ?? []
                    #expect(
                        errors.contains {
                            ($0["code"] as? String) == "duplicate-id" && (($0["location"] as? [String: Any])?["line"] as? Int ?? 0) > 0
                        },
                        "\(route): \(problem)"
                    )
                }
            }
            #expect(try await client.status("/healthz") == .ok)
        }
    }
}
