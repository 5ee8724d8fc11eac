import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MixdownJobs
import MixdownServer
import MixdownTestSupport
import NIOCore
import Testing

/// `/v1/batches`: one recipe over many input sets, over HTTP on loopback with a real worker.
@Suite("Batches over HTTP")
struct BatchesAPITests {
    static let recipe = """
        version: 1
        kind: edit
        params: { len: 1 }
        inputs: { voice: { upload: true } }
        steps:
          - trim: { duration: "${len}s" }
        outputs: { clip: { format: wav } }
        """

    @Test(
        "POST queues every input set as a job of one batch; the events stream ends when all ended; GET pages its jobs with outputs",
        arguments: [StoreKind.sqlite, .postgres]
    )
    func flow(store: StoreKind) async throws {
        let harness = try APIHarness(store: store)
        try await harness.run { client async throws in
            let asset = try #require(try await client.upload(try TestMedia.path("voice.wav"), name: "voice.wav").json()["id"] as? String)
            let body = """
                {"recipe": \(jsonString(Self.recipe)), "name": "clips", "params": {"len": 1},
                 "runs": [{"name": "one", "inputs": {"voice": "\(asset)"}}, {"name": "two", "params": {"len": 2}, "inputs": {"voice": "\(asset)"}},
                          {"name": "bad", "inputs": {"voice": "ast_01JD0000000000000000000000"}}, {"inputs": {"voice": "\(asset)"}}]}
                """
            let (status, created) = try await client.json("/v1/batches", .post, body: body)
            #expect(status == .accepted, "\(created)")
            let id = try #require(created["id"] as? String)
            #expect(created["total"] as? Int == 3 && created["recipeName"] as? String == "clips")
            let rejected = try #require(created["rejected"] as? [[String: Any]])
            #expect(rejected.count == 1 && rejected[0]["name"] as? String == "bad" && (rejected[0]["error"] as? String ?? "").contains("no asset"))

            // The stream ends with the batch: its last event is `end`, with every job succeeded.
            let events = try await client.execute(uri: "/v1/batches/\(id)/events", method: .get)
            #expect(events.status == .ok)
            let text = String(buffer: events.body)
            let last = try #require(text.components(separatedBy: "event: end\ndata: ").last?.components(separatedBy: "\n").first)
            let end = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
            #expect(end["succeeded"] as? Int == 3 && end["finished"] as? Bool == true, "\(text)")

            let (shown, batch) = try await client.json("/v1/batches/\(id)?limit=2")
            #expect(shown == .ok && batch["succeeded"] as? Int == 3)
            var jobs = try #require(batch["jobs"] as? [[String: Any]])
            let cursor = try #require(batch["nextCursor"] as? String)
            let (_, rest) = try await client.json("/v1/batches/\(id)?limit=2&cursor=\(cursor)")
            jobs += try #require(rest["jobs"] as? [[String: Any]])
            #expect(rest["nextCursor"] == nil)
            #expect(jobs.compactMap { $0["batchItem"] as? String }.sorted() == ["one", "run4", "two"])
            for job in jobs {
                let output = try #require(((job["result"] as? [String: Any])?["outputs"] as? [[String: Any]])?.first)
                let expected = job["batchItem"] as? String == "two" ? 2.0 : 1.0
                #expect(abs((output["durationSeconds"] as? Double ?? 0) - expected) < 0.05, "\(job)")
            }
            // Finished: nothing to cancel.
            let (again, problem) = try await client.json("/v1/batches/\(id)/cancel", .post)
            #expect(again == .conflict && problem["code"] as? String == "job-finished")
        }
    }

    @Test("bad batches get a problem document and queue nothing; cancel ends queued jobs; unknown ids are 404")
    func badInput() async throws {
        let harness = try APIHarness()
        // No worker: the jobs stay queued until cancelled.
        try await harness.api.application().test(.live) { client in
            let recipe = jsonString(Self.recipe)
            for (body, type, expected, code) in [
                ("{}", "application/json", HTTPResponse.Status.badRequest, "bad-json"),
                ("recipe: x", "application/yaml", .unsupportedMediaType, "unsupported-media-type"),
                ("{\"recipe\": \(recipe), \"runs\": []}", "application/json", .unprocessableContent, "out-of-range"),
                ("{\"recipe\": \(recipe), \"runs\": [{}]}", "application/json", .unprocessableContent, "missing-input"),
                (
                    "{\"recipe\": \"version: 1\\nkind: edit\\ninputs: { a: { file: /etc/passwd } }\\noutputs: { o: { from: a, format: wav } }\", \"runs\": [{}]}",
                    "application/json", .unprocessableContent, "file-input-not-allowed"
                ),
            ] {
                let (status, problem) = try await client.json("/v1/batches", .post, body: body, type: type)
                #expect(status == expected && problem["code"] as? String == code, "\(body): \(status) \(problem)")
                // Said in the API's terms: an asset in the run's inputs, not the command line's --input.
                if code == "missing-input" { #expect(!"\(problem)".contains("--input"), "\(problem)") }
            }
            let runs = (1...3).map { _ in "{\"params\": {\"len\": 1}, \"inputs\": {}}" }.joined(separator: ",")
            let uploadless = Self.recipe.replacingOccurrences(
                of: "inputs: { voice: { upload: true } }",
                with: "inputs: { voice: { url: \"http://127.0.0.1:9/x.wav\" } }"
            )
            let (status, created) = try await client.json("/v1/batches", .post, body: "{\"recipe\": \(jsonString(uploadless)), \"runs\": [\(runs)]}")
            #expect(status == .accepted, "\(created)")
            let id = try #require(created["id"] as? String)
            let (cancelStatus, cancelled) = try await client.json("/v1/batches/\(id)/cancel", .post)
            #expect(cancelStatus == .accepted && cancelled["cancelled"] as? Int == 3 && cancelled["finished"] as? Bool == true)
            #expect(try await client.status("/v1/batches/bat_01JD0000000000000000000000") == .notFound)
            #expect(try await client.status("/v1/batches/nope") == .notFound)
            #expect(try await client.status("/v1/batches/\(id)?limit=0") == .badRequest)
            let (missing, _) = try await client.json("/v1/batches/bat_01JD0000000000000000000000/cancel", .post)
            #expect(missing == .notFound)
            #expect(harness.storedFiles().isEmpty)

            // Names are made distinct after cleaning, so no two runs share a report line or a folder.
            let names = ["a-3", "a", "a", "日本", "中国", "../../etc", ""]
            let namedRuns = names.map { "{\"name\": \(jsonString($0)), \"inputs\": {}}" }.joined(separator: ",")
            let (namedStatus, named) = try await client.json(
                "/v1/batches",
                .post,
                body: "{\"recipe\": \(jsonString(uploadless)), \"runs\": [\(namedRuns)]}"
            )
            #expect(namedStatus == .accepted, "\(named)")
            let (_, page) = try await client.json("/v1/batches/\(try #require(named["id"] as? String))")
            let items = try #require(page["jobs"] as? [[String: Any]]).compactMap { $0["batchItem"] as? String }
            #expect(Set(items) == ["____etc", "__", "__-5", "a", "a-3", "a-3-2", "run7"] && items.count == 7, "\(items)")

            // When no run can start: nothing is queued, 422 with the first refused run's code and place,
            // and the run named as the client named it.
            let refusedBody = "{\"recipe\": \(recipe), \"runs\": [{\"name\": \"日本\", \"inputs\": {\"voice\": \"ast_nope\"}}]}"
            let (refusedStatus, refused) = try await client.json("/v1/batches", .post, body: refusedBody)
            #expect(refusedStatus == .unprocessableContent && refused["code"] as? String == "unknown-asset", "\(refused)")
            #expect(refused["pointer"] as? String == "/runs/0" && (refused["detail"] as? String ?? "").contains("日本"))

            // What one request may write is bounded: the recipe is kept by every job.
            let padded = Self.recipe + "\n# " + String(repeating: "x", count: 20_000) + "\n"
            let many = Array(repeating: "{}", count: 1000).joined(separator: ",")
            let (largeStatus, large) = try await client.json("/v1/batches", .post, body: "{\"recipe\": \(jsonString(padded)), \"runs\": [\(many)]}")
            #expect(largeStatus == .contentTooLarge && large["code"] as? String == "too-large", "\(large)")
            let longName = String(repeating: "n", count: 201)
            let (longStatus, long) = try await client.json(
                "/v1/batches",
                .post,
                body: "{\"recipe\": \(recipe), \"name\": \"\(longName)\", \"runs\": [{}]}"
            )
            #expect(longStatus == .unprocessableContent && long["pointer"] as? String == "/name")
        }
    }
}
