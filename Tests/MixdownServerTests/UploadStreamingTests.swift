import Foundation
import HTTPTypes
import Hummingbird
import MixdownJobs
import MixdownServer
import MixdownStorage
import MixdownTestSupport
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// `POST /v1/uploads` with a raw body goes straight into storage: on a bucket its parts land while the
/// body is still arriving, and what is refused afterwards (not media, a playlist, too long, too large)
/// leaves nothing behind. Raw TCP clients on loopback, so the test decides when each byte is sent.
@Suite("Uploads streamed into storage")
struct UploadStreamingTests {
    /// Runs `body` with the port of a live server over `harness` (no worker: uploads run no job).
    static func withServer(_ harness: APIHarness, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await harness.api.application { portContinuation.yield($0) }.runService(gracefulShutdownSignals: [])
            }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            try await body(port)
            group.cancelAll()
        }
    }

    static let boundary = "mixdown-stream-boundary"

    static func head(_ bytes: Int, name: String, form: Bool = false) -> String {
        let type = form ? "multipart/form-data; boundary=\(boundary)" : "audio/wav"
        return
            "POST /v1/uploads?filename=\(name) HTTP/1.1\r\nHost: x\r\nContent-Type: \(type)\r\nContent-Length: \(bytes)\r\nConnection: close\r\n\r\n"
    }

    static func form(_ parts: [FormPart]) -> Data {
        Data(multipartBody(boundary: boundary, parts).readableBytesView)
    }

    /// Sends a whole upload (a raw body, or a form) and returns the status and the body of the answer.
    static func upload(_ data: Data, name: String, form: Bool = false, port: Int) async throws -> (status: Int, body: String) {
        try await send(data, head: head(data.count, name: name, form: form), port: port)
    }

    /// POSTs a form to `path` and returns the status and the body of the answer.
    static func post(form: Data, to path: String, type: String = "multipart/form-data", port: Int) async throws -> (status: Int, body: String) {
        let head =
            "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: \(type); boundary=\(boundary)\r\nContent-Length: \(form.count)\r\nConnection: close\r\n\r\n"
        return try await send(form, head: head, port: port)
    }

    /// POSTs a JSON document to `path` and returns the status and the body of the answer.
    static func post(json: String, to path: String, port: Int) async throws -> (status: Int, body: String) {
        let head =
            "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\nConnection: close\r\n\r\n"
        return try await send(Data(json.utf8), head: head, port: port)
    }

    private static func send(_ data: Data, head: String, port: Int) async throws -> (status: Int, body: String) {
        let collector = ResponseCollector()
        let channel = try await ConnectionTimeoutTests.send(head, port: port, to: collector)
        do {
            try await channel.writeAndFlush(ByteBuffer(bytes: data))
        } catch ChannelError.ioOnClosedChannel {}  // refused before the body was read (413, 503)
        return parse(try await collector.response.futureResult.get())
    }

    static func parse(_ response: String) -> (status: Int, body: String) {
        let status = Int(response.dropFirst("HTTP/1.1 ".count).prefix(3)) ?? 0
        let body = response.range(of: "\r\n\r\n").map { String(response[$0.upperBound...]) } ?? ""
        return (status, body)
    }

    /// Whether a multipart upload under `uploads/` exists in the bucket within 60 s: the sign that a body
    /// is stored while it still arrives. moto offers no event for it, so the bucket is asked every 100 ms.
    static func multipartUploadBegins(in bucket: S3Storage) async throws -> Bool {
        for _ in 0..<600 {
            if try await !bucket.incompleteUploads(prefix: "uploads/").isEmpty { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    static func bucket(of harness: APIHarness) throws -> S3Storage {
        try #require(harness.services.storage as? S3Storage)
    }

    @Test(
        "a 19 MB upload, raw or as a form's file part, reaches the bucket part by part while its body is still arriving; the asset is its exact bytes",
        .timeLimit(.minutes(2)),
        arguments: [false, true]
    )
    func streamsThrough(form: Bool) async throws {
        let harness = try APIHarness(files: .bucket)
        let bucket = try Self.bucket(of: harness)
        let source = harness.directory.appendingPathComponent("long.wav").path
        // 100 s of 48 kHz stereo 16-bit: 19.2 MB, more than one 16 MiB part.
        try TestMedia.generate("sine=f=440:d=100:sample_rate=48000", to: source, extra: ["-ac", "2"])
        let media = try Data(contentsOf: URL(fileURLWithPath: source))
        let data =
            form
            ? Self.form([
                FormPart(name: "note", content: Data("first".utf8)), FormPart(name: "file", file: "long.wav", type: "audio/wav", content: media),
            ])
            : media
        let firstPart = 16 << 20
        #expect(media.count > firstPart + (1 << 20))
        try await Self.withServer(harness) { port in
            let collector = ResponseCollector()
            let channel = try await ConnectionTimeoutTests.send(Self.head(data.count, name: "long.wav", form: form), port: port, to: collector)
            // The first part and a little more: enough for the server to know a second part follows.
            try await channel.writeAndFlush(ByteBuffer(bytes: data.prefix(firstPart + 65_536)))
            // The event: a multipart upload exists in the bucket. A spooling server would start none until
            // the whole body had arrived, and the rest of it is not sent until this happens.
            let started = try await Self.multipartUploadBegins(in: bucket)
            #expect(started, "no part reached the bucket before the body ended")
            try await channel.writeAndFlush(ByteBuffer(bytes: data.dropFirst(firstPart + 65_536)))
            let (status, body) = Self.parse(try await collector.response.futureResult.get())
            #expect(status == 201, "\(body)")
            let asset = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] ?? [:]
            let key = try StorageKey(try #require(asset["key"] as? String))
            #expect(key.rawValue.hasSuffix("/long.wav"))
            #expect(asset["bytes"] as? Int == media.count)
            #expect(abs((asset["durationSeconds"] as? Double ?? 0) - 100) < 0.1, "probed from the bucket")
            let copy = try await bucket.localPath(for: key, downloadingInto: harness.directory.path)
            let expected = try Shell.run("sha256sum", [source]).standardOutput.prefix(64)
            #expect(try Shell.run("sha256sum", [copy]).standardOutput.prefix(64) == expected)
            #expect(asset["sha256"] as? String == String(expected))
            #expect(try await bucket.incompleteUploads().isEmpty)
        }
    }

    @Test(
        "uploads (and job submissions, validations and plans with files, and plans that download from the bucket) beyond MIXDOWN_MAX_CONCURRENT_UPLOADS are 503 busy while the others are received",
        .timeLimit(.minutes(2))
    )
    func concurrentCap() async throws {
        let harness = try APIHarness(maxConcurrentUploads: 1, files: .bucket)
        let bucket = try Self.bucket(of: harness)
        let source = harness.directory.appendingPathComponent("long.wav").path
        try TestMedia.generate("sine=f=440:d=100:sample_rate=48000", to: source, extra: ["-ac", "2"])
        let data = try Data(contentsOf: URL(fileURLWithPath: source))
        let small = try Data(contentsOf: URL(fileURLWithPath: try TestMedia.path("intro.wav")))
        try await Self.withServer(harness) { port in
            // An asset in the bucket, which planning downloads unless it reads it in place.
            let stored = try await Self.upload(small, name: "intro.wav", port: port)
            let asset = try #require(
                (try JSONSerialization.jsonObject(with: Data(stored.body.utf8)) as? [String: Any])?["id"] as? String,
                "\(stored)"
            )
            let fetching = [
                #"{"recipe": "version: 1\nkind: edit\ninputs: { v: { asset: \#(asset) } }\noutputs: { o: { format: wav } }\n"}"#,
                #"{"recipe": "version: 1\nkind: edit\ninputs: { v: { upload: true } }\noutputs: { o: { format: wav } }\n", "inputs": {"v": "\#(asset)"}}"#,
            ]
            let collector = ResponseCollector()
            let channel = try await ConnectionTimeoutTests.send(Self.head(data.count, name: "long.wav"), port: port, to: collector)
            try await channel.writeAndFlush(ByteBuffer(bytes: data.prefix((16 << 20) + 65_536)))
            // The event: the first upload is being received (its multipart upload exists), so it holds the slot.
            let started = try await Self.multipartUploadBegins(in: bucket)
            #expect(started)
            let refused = try await Self.upload(small, name: "intro.wav", port: port)
            #expect(refused.status == 503 && refused.body.contains("busy"), "\(refused)")
            // A job submission with a file part is an upload too.
            let form = Self.form([
                FormPart(
                    name: "recipe",
                    content: Data("version: 1\nkind: edit\ninputs: { v: { upload: true } }\noutputs: { o: { format: wav } }\n".utf8)
                ),
                FormPart(name: "v", file: "intro.wav", type: "audio/wav", content: small),
            ])
            // So is a validation or a plan with one: its files are spooled to disk.
            for path in ["/v1/jobs", "/v1/recipes/validate", "/v1/recipes/plan"] {
                let busy = try await Self.post(form: form, to: path, port: port)
                #expect(busy.status == 503 && busy.body.contains("busy"), "\(path): \(busy)")
            }
            // A plan that downloads a bucket's asset to this machine is a transfer too, with no form at all.
            for body in fetching {
                let busy = try await Self.post(json: body, to: "/v1/recipes/plan", port: port)
                #expect(busy.status == 503 && busy.body.contains("busy"), "\(body): \(busy)")
            }
            // The media type is case-insensitive: another spelling is the same form.
            let spelled = try await Self.post(form: form, to: "/v1/recipes/validate", type: "Multipart/Form-Data", port: port)
            #expect(spelled.status == 503 && spelled.body.contains("busy"), "\(spelled)")
            try await channel.writeAndFlush(ByteBuffer(bytes: data.dropFirst((16 << 20) + 65_536)))
            #expect(Self.parse(try await collector.response.futureResult.get()).status == 201)
            // The slot is given back: by a validation and a plan with a file, and by a refused one.
            let validated = try await Self.post(form: form, to: "/v1/recipes/validate", port: port)
            #expect(validated.status == 200, "\(validated)")
            let planned = try await Self.post(form: form, to: "/v1/recipes/plan", port: port)
            #expect(planned.status == 200, "\(planned)")
            let broken = Self.form([
                FormPart(name: "recipe", content: Data("version: 1\nkind: edit\ninputs: [\n".utf8)),
                FormPart(name: "v", file: "intro.wav", type: "audio/wav", content: small),
            ])
            let refusedValidation = try await Self.post(form: broken, to: "/v1/recipes/validate", port: port)
            #expect(refusedValidation.status == 422 && refusedValidation.body.contains("invalid-recipe"), "\(refusedValidation)")
            for body in fetching {
                let plannedFromBucket = try await Self.post(json: body, to: "/v1/recipes/plan", port: port)
                #expect(plannedFromBucket.status == 200, "\(body): \(plannedFromBucket)")
            }
            let after = try await Self.upload(small, name: "intro.wav", port: port)
            #expect(after.status == 201, "\(after)")
        }
    }

    @Test("planning whose download hangs is refused at its deadline (502) and gives its transfer slot back", .timeLimit(.minutes(2)))
    func hangingFetch() async throws {
        let harness = try APIHarness(maxConcurrentUploads: 1, planningFetchSeconds: 1)
        let silent = try SilentListener()
        let small = try Data(contentsOf: URL(fileURLWithPath: try TestMedia.path("intro.wav")))
        try await Self.withServer(harness) { port in
            let body =
                #"{"recipe": "version: 1\nkind: edit\ninputs: { v: { url: 'http://127.0.0.1:\#(silent.port)/a.wav' } }\noutputs: { o: { format: wav } }\n"}"#
            let refused = try await Self.post(json: body, to: "/v1/recipes/plan", port: port)
            // Refused by the deadline, not by the download's own idle timeout (a minute).
            #expect(refused.status == 502 && refused.body.contains("download-failed"), "\(refused)")
            #expect(refused.body.contains("were not fetched within 1.0 s"), "\(refused)")
            // The one slot is free again.
            let after = try await Self.upload(small, name: "intro.wav", port: port)
            #expect(after.status == 201, "\(after)")
        }
    }

    @Test("a form that is not one whole file part is refused, and leaves nothing in storage", arguments: FileBacking.allCases)
    func badForms(files: FileBacking) async throws {
        let harness = try APIHarness(maxUploadBytes: 3_000_000, files: files)
        let wav = try Data(contentsOf: URL(fileURLWithPath: try TestMedia.path("intro.wav")))
        let part = FormPart(name: "file", file: "intro.wav", type: "audio/wav", content: wav)
        try await Self.withServer(harness) { port in
            let two = try await Self.upload(
                Self.form([part, FormPart(name: "other", file: "b.wav", content: wav)]),
                name: "x",
                form: true,
                port: port
            )
            #expect(two.status == 400 && two.body.contains("bad-multipart"), "\(two)")
            let none = try await Self.upload(Self.form([FormPart(name: "note", content: Data("words".utf8))]), name: "x", form: true, port: port)
            #expect(none.status == 400 && none.body.contains("bad-multipart"), "\(none)")
            let whole = Self.form([part])
            let cut = try await Self.upload(whole.prefix(whole.count - 40), name: "x", form: true, port: port)
            #expect(cut.status == 400 && cut.body.contains("bad-multipart"), "\(cut)")
            let big = try await Self.upload(
                Self.form([FormPart(name: "file", file: "big.wav", content: Data(count: 3_100_000))]),
                name: "x",
                form: true,
                port: port
            )
            #expect(big.status == 413, "\(big)")
            let fine = try await Self.upload(whole, name: "x", form: true, port: port)
            #expect(fine.status == 201, "\(fine)")
        }
        // Only the one good upload is stored.
        switch files {
        case .folder:
            #expect(harness.storedFiles().count == 1 && harness.storedFiles().first?.hasSuffix("/intro.wav") == true, "\(harness.storedFiles())")
        case .bucket:
            let bucket = try Self.bucket(of: harness)
            #expect(try await bucket.list(prefix: "uploads/").count == 1)
            #expect(try await bucket.incompleteUploads().isEmpty)
        }
    }

    @Test("refused uploads leave nothing in storage: not media, too long, too large, a playlist", arguments: FileBacking.allCases)
    func refusedLeaveNothing(files: FileBacking) async throws {
        let harness = try APIHarness(maxUploadBytes: 3_000_000, maxDurationSeconds: 10, files: files)
        let long = harness.directory.appendingPathComponent("long.wav").path
        try TestMedia.generate("sine=d=12:sample_rate=8000", to: long)
        // A listener that counts connections: the playlist names it, and nothing may fetch from it.
        let listener = try await ConnectionCounter.start()
        defer { listener.stop() }
        let playlist = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nhttp://127.0.0.1:\(listener.port)/segment.ts\n#EXT-X-ENDLIST\n"
        try await Self.withServer(harness) { port in
            let text = try await Self.upload(Data("just some words, not media".utf8), name: "notes.wav", port: port)
            #expect(text.status == 422 && text.body.contains("unreadable-media"), "\(text)")
            let tooLong = try await Self.upload(try Data(contentsOf: URL(fileURLWithPath: long)), name: "long.wav", port: port)
            #expect(tooLong.status == 422 && tooLong.body.contains("too-long"), "\(tooLong)")
            let tooLarge = try await Self.upload(Data(count: 3_500_000), name: "big.wav", port: port)
            #expect(tooLarge.status == 413, "\(tooLarge)")
            let list = try await Self.upload(Data(playlist.utf8), name: "list.m3u8", port: port)
            #expect(list.status == 422, "\(list)")
        }
        #expect(listener.connections == 0, "the playlist made the server fetch from a listener on loopback")
        switch files {
        case .folder:
            #expect(harness.storedFiles().isEmpty, "\(harness.storedFiles())")
            // Not even the refused uploads' folders.
            let uploads = harness.directory.appendingPathComponent("storage/uploads").path
            #expect(((try? FileManager.default.contentsOfDirectory(atPath: uploads)) ?? []).isEmpty)
        case .bucket:
            let bucket = try Self.bucket(of: harness)
            #expect(try await bucket.list(prefix: "uploads/").isEmpty)
            #expect(try await bucket.incompleteUploads().isEmpty)
        }
        #expect(try await harness.services.store.list(type: nil, status: nil, limit: 10, cursor: nil).jobs.isEmpty)
    }
}

/// A TCP listener on loopback that accepts connections, counts them and closes them.
struct ConnectionCounter: Sendable {
    final class Count: Sendable {
        let value = Mutex(0)
    }

    let port: Int
    let channel: any Channel
    let count: Count

    var connections: Int { count.value.withLock { $0 } }

    static func start() async throws -> ConnectionCounter {
        let count = Count()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                count.value.withLock { $0 += 1 }
                return child.close()
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return ConnectionCounter(port: channel.localAddress?.port ?? 0, channel: channel, count: count)
    }

    func stop() { channel.close(promise: nil) }
}
