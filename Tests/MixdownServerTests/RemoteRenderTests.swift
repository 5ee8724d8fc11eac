import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MixdownExecution
import MixdownJobs
import MixdownPlanner
import MixdownServer
import MixdownStorage
import MixdownTestSupport
import NIOCore
import Testing

/// The whole remote flow on loopback: a client submits a render to the API; the worker dispatches it to a
/// render node with URLs for its inputs and outputs (signed API URLs on a folder, presigned ones on the
/// S3-protocol server); the node renders and calls the webhook back; the worker completes the job; the
/// client polls and downloads. The worker and the API have stores of their own on the same database, as
/// separate processes would.
@Suite("Remote render")
struct RemoteRenderTests {
    /// What a test works with while the API, the worker and (unless the test runs its own) a node run.
    struct Flow {
        let client: any TestClientProtocol
        let harness: APIHarness
        /// The API as the node reaches it.
        let origin: String
        let node: RenderNode?
    }

    /// Runs the API, a worker that dispatches every render to `endpoint` (the in-process node when nil),
    /// and `body`.
    static func withFlow(
        files: FileBacking = .folder,
        renderTimeout: Double = 300,
        workerToken: String = RenderNodeTests.token,
        endpoint: (@Sendable (String) async throws -> String)? = nil,
        _ body: @escaping @Sendable (Flow) async throws -> Void
    ) async throws {
        var timeouts = MixdownConfiguration.defaultTimeouts
        timeouts[.render] = renderTimeout
        let harness = try APIHarness(timeouts: timeouts, files: files)
        try await harness.api.application().test(.live) { client in
            let origin = "http://127.0.0.1:\(try #require(client.port))"
            try await withThrowingTaskGroup(of: Void.self) { group in
                var node: RenderNode?
                let nodeURL: String
                if let endpoint {
                    nodeURL = try await endpoint(origin)
                } else {
                    var configuration = RenderNodeConfiguration(
                        token: RenderNodeTests.token,
                        callbackSecret: RenderNodeTests.secret,
                        callbackOrigin: origin,
                        workDirectory: try TestMedia.temporaryDirectory("remote-node").path,
                        tools: MediaTools.fromEnvironment()
                    )
                    configuration.port = 0
                    let made = RenderNode(configuration: configuration)
                    node = made
                    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
                    group.addTask { try await made.application { continuation.yield($0) }.runService(gracefulShutdownSignals: []) }
                    var iterator = ports.makeAsyncIterator()
                    nodeURL = "http://127.0.0.1:\(try #require(await iterator.next()))"
                }
                var worker = harness.services.configuration
                worker.renderEndpoint = nodeURL
                worker.renderToken = workerToken
                worker.publicURL = origin
                worker.renderRemoteSeconds = 0
                let services = try MixdownServices.make(worker)
                group.addTask { try await Worker(services: services).run() }
                try await body(Flow(client: client, harness: harness, origin: origin, node: node))
                group.cancelAll()
            }
        }
    }

    /// Submits a render of `voice` (an upload) through the API; its job id.
    static func submit(_ client: some TestClientProtocol, recipe: String, voice: String) async throws -> String {
        let boundary = "MixdownRemote7XyZ"
        let response = try await client.execute(
            uri: "/v1/render",
            method: .post,
            headers: [.contentType: "multipart/form-data; boundary=\(boundary)"],
            body: multipartBody(
                boundary: boundary,
                [
                    FormPart(name: "recipe", content: Data(recipe.utf8)),
                    FormPart(name: "voice", file: "voice.wav", content: try Data(contentsOf: URL(fileURLWithPath: voice))),
                ]
            )
        )
        #expect(response.status == .accepted, "\(String(buffer: response.body))")
        return try #require(try response.json()["id"] as? String)
    }

    /// Polls the job until `stage` shows (or it ends); the stages seen on the way.
    static func waitForStage(_ client: some TestClientProtocol, _ id: String, _ stage: String) async throws -> [String] {
        var seen: [String] = []
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let (_, job) = try await client.json("/v1/jobs/\(id)")
            if let current = job["stage"] as? String, seen.last != current { seen.append(current) }
            if seen.last == stage || ["succeeded", "failed", "cancelled"].contains(job["status"] as? String ?? "") { return seen }
            try await Task.sleep(for: .milliseconds(50))
        }
        return seen
    }

    /// `spare` is read by nothing: it is neither fetched by the worker nor dispatched to the node (nothing
    /// listens on port 9, so fetching it would fail the render).
    static let shortRecipe = """
        version: 1
        kind: render
        render: { device: auto }
        inputs: { voice: { upload: true }, spare: { url: "http://127.0.0.1:9/none.wav" } }
        steps:
          - from: voice
            trim: { duration: 2s }
          - visualize: { style: waveform, size: 320x180, fps: 10 }
          - title: "Remote: it's [fine]"
        outputs: { video: { format: mp4 } }
        """

    /// A render that takes the node several seconds: 60 s at 1280x720, 30 fps.
    static let longRecipe = """
        version: 1
        kind: render
        inputs: { voice: { upload: true } }
        steps:
          - visualize: { style: waveform, size: 1280x720, fps: 30 }
        outputs: { video: { format: mp4 } }
        """

    static func longVoice() throws -> String {
        let path = try TestMedia.temporaryDirectory("remote-long").appendingPathComponent("voice.wav").path
        try TestMedia.generate("sine=f=220:d=60", to: path)
        return path
    }

    @Test(
        "a render dispatched to a render node ends succeeded through the webhook, with the outputs a CPU render reports, downloadable",
        arguments: FileBacking.allCases
    )
    func remoteFlow(files: FileBacking) async throws {
        try await Self.withFlow(files: files) { flow in
            let client = flow.client
            let id = try await Self.submit(client, recipe: Self.shortRecipe, voice: try TestMedia.path("voice.wav"))
            let done = try await client.finished(id, route: "/v1/render")
            #expect(done["status"] as? String == "succeeded", "\(done)")
            let output = try #require(((done["result"] as? [String: Any])?["outputs"] as? [[String: Any]])?.first)
            // Under the job's folder, in the dispatch's own: the render node wrote it (a CPU render writes
            // jobs/ID/video.mp4). The stage is seen in the cancel test, whose render lasts long enough.
            let key = try #require(output["key"] as? String)
            #expect(output["name"] as? String == "video" && key.hasPrefix("jobs/\(id)/remote-") && key.hasSuffix("/video.mp4"))
            #expect(output["contentType"] as? String == "video/mp4")
            #expect(abs((output["durationSeconds"] as? Double ?? 0) - 2) < 0.15)
            // The bytes behind the download URL are the ones the node reported, and a video.
            let video = try await client.download(try #require(output["downloadUrl"] as? String))
            #expect(video.status == 200 && video.body.count == output["bytes"] as? Int)
            #expect(video.body.sha256Hex == output["sha256"] as? String)
            let file = try TestMedia.temporaryDirectory("remote-out").appendingPathComponent("video.mp4")
            try video.body.write(to: file)
            let facts = try await TestMedia.facts(file.path)
            #expect(facts.hasVideo && facts.hasAudio && facts.width == 320 && facts.height == 180)
            // The asset is recorded as a CPU render's would be.
            let assetId = try #require(output["assetId"] as? String)
            let (assetStatus, asset) = try await client.json("/v1/assets/\(assetId)")
            #expect(assetStatus == .ok && asset["jobId"] as? String == id && asset["sha256"] as? String == output["sha256"] as? String)
            // Nothing of the dispatch is left in storage but the output (and the upload).
            if files == .folder {
                #expect(flow.harness.storedFiles().filter { $0.hasPrefix("jobs/") } == [key])
            }
        }
    }

    @Test("cancelling a dispatched render stops it on the node; the job ends cancelled and its outputs are not kept")
    func cancel() async throws {
        try await Self.withFlow { flow in
            let client = flow.client
            let id = try await Self.submit(client, recipe: Self.longRecipe, voice: try Self.longVoice())
            #expect(try await Self.waitForStage(client, id, RemoteRender.stage).last == RemoteRender.stage)
            let node = try #require(flow.node)
            #expect(await node.running == 1)
            // The node's progress reports reach the job through the webhook.
            var progress = 0.0
            let until = ContinuousClock.now + .seconds(60)
            while progress == 0, ContinuousClock.now < until {
                try await Task.sleep(for: .milliseconds(200))
                progress = try await client.json("/v1/jobs/\(id)").1["progress"] as? Double ?? 0
            }
            #expect(progress > 0 && progress < 1)
            let (status, _) = try await client.json("/v1/jobs/\(id)/cancel", .post)
            #expect(status == .accepted || status == .ok)
            let done = try await client.finished(id)
            #expect(done["status"] as? String == "cancelled", "\(done)")
            // The worker asked the node to stop: its dispatch is gone long before the render could end.
            let deadline = ContinuousClock.now + .seconds(30)
            while await node.running > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(await node.running == 0)
            #expect(flow.harness.storedFiles().filter { $0.hasPrefix("jobs/\(id)/") } == [])
        }
    }

    @Test("a render node that refuses the worker's token fails the job with render-service-refused, saying 401")
    func refused() async throws {
        try await Self.withFlow(workerToken: "not-the-render-token-0123") { flow in
            let id = try await Self.submit(flow.client, recipe: Self.shortRecipe, voice: try TestMedia.path("voice.wav"))
            let done = try await flow.client.finished(id)
            let error = try #require(done["error"] as? [String: Any])
            #expect(done["status"] as? String == "failed" && error["code"] as? String == "render-service-refused", "\(done)")
            #expect((error["message"] as? String ?? "").contains("401"))
        }
    }

    @Test("a render node killed mid-render (SIGKILL) leaves the job to fail at its render timeout, never stuck; the next node removes its folder")
    func killedNode() async throws {
        let process = NodeProcess()
        defer { process.kill() }
        let temporary = try TestMedia.temporaryDirectory("killed-node").path
        try await Self.withFlow(
            renderTimeout: 20,
            endpoint: { origin in try await process.start(callbackOrigin: origin, temporaryDirectory: temporary) }
        ) { flow in
            let client = flow.client
            let id = try await Self.submit(client, recipe: Self.longRecipe, voice: try Self.longVoice())
            #expect(try await Self.waitForStage(client, id, RemoteRender.stage).last == RemoteRender.stage)
            process.kill()
            let done = try await client.finished(id, seconds: 90)
            let error = try #require(done["error"] as? [String: Any])
            #expect(done["status"] as? String == "failed" && error["code"] as? String == "timeout", "\(done)")
            // The killed node's work folder (its inputs) stays until the next node starts on the machine.
            let left = try FileManager.default.contentsOfDirectory(atPath: temporary).filter { $0.hasPrefix("mixdown-render-node-") }
            #expect(left.count == 1)
            let next = NodeProcess()
            defer { next.kill() }
            _ = try await next.start(callbackOrigin: flow.origin, temporaryDirectory: temporary)
            let now = try FileManager.default.contentsOfDirectory(atPath: temporary).filter { $0.hasPrefix("mixdown-render-node-") }
            #expect(now.count == 1 && !now.contains(left[0]))
        }
    }

    @Test("a work folder sweep removes folders whose owner is gone, and keeps live and unowned ones")
    func sweep() throws {
        let parent = try TestMedia.temporaryDirectory("sweep").path
        let live = try #require(RenderNodeWorkFolder.make(in: parent))
        let dead = try #require(RenderNodeWorkFolder.make(in: parent))
        // Its lock given up, as when its process ends; the folder stays, as after a SIGKILL.
        let deadPath = dead.path
        try FileManager.default.copyItem(atPath: deadPath, toPath: deadPath + "-copy")
        dead.remove()
        let unowned = "\(parent)/mixdown-render-node-unowned"
        try FileManager.default.createDirectory(atPath: unowned, withIntermediateDirectories: false)
        #expect(RenderNodeWorkFolder.sweep(in: parent) == 1)
        #expect(FileManager.default.fileExists(atPath: live.path) && FileManager.default.fileExists(atPath: unowned))
        #expect(!FileManager.default.fileExists(atPath: deadPath + "-copy"))
        let attributes = try FileManager.default.attributesOfItem(atPath: live.path)
        #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o777 } == 0o700)
        live.remove()
    }
}

/// `mixdown render-node` as a process of its own, to be killed outright.
final class NodeProcess: @unchecked Sendable {
    private let process = Process()
    private let lock = NSLock()

    /// Starts the node on a free port; its URL once it listens.
    func start(callbackOrigin: String, temporaryDirectory: String) async throws -> String {
        process.executableURL = URL(fileURLWithPath: Shell.mixdown)
        process.arguments = ["render-node", "--port", "0"]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "RENDER_TOKEN": RenderNodeTests.token,
            "INTERNAL_WEBHOOK_SECRET": RenderNodeTests.secret,
            "MIXDOWN_RENDER_CALLBACK_ORIGIN": callbackOrigin,
            "TMPDIR": temporaryDirectory,
        ]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                continuation.finish()
                handle.readabilityHandler = nil
            } else {
                continuation.yield(String(decoding: data, as: UTF8.self))
            }
        }
        try process.run()
        var text = ""
        for await chunk in lines {
            text += chunk
            if let range = text.range(of: "listening on http://"), let end = text[range.upperBound...].firstIndex(of: "\n") {
                return "http://" + text[range.upperBound..<end]
            }
        }
        throw TestSupportError("the render node did not start: \(text)")
    }

    func kill() {
        lock.withLock {
            if process.isRunning {
                Foundation.kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
    }
}

extension Data {
    var sha256Hex: String { SHA256.hash(data: self).map { String(format: "%02x", $0) }.joined() }
}
