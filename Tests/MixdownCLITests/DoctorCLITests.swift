import Foundation
import MixdownTestSupport
import Testing

/// `mixdown doctor` run as a user would, on working and on broken configurations.
@Suite("mixdown doctor")
struct DoctorCLITests {
    /// Lines of the report that start with `level` and name `check`.
    static func lines(_ output: String, _ level: String, _ check: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { $0.hasPrefix(level) && $0.dropFirst(6).hasPrefix(check) }
    }

    @Test("on the local defaults every check is ok and the exit status is 0")
    func localDefaults() throws {
        let directory = try TestMedia.temporaryDirectory("doctor")
        let status = try Shell.mixdown(
            ["doctor"],
            environment: [
                "MIXDOWN_STORE": "sqlite:\(directory.appendingPathComponent("store.sqlite").path)",
                "MIXDOWN_STORAGE": directory.appendingPathComponent("storage").path,
            ]
        )
        #expect(status.exitCode == 0, "\(status.standardOutput)\(status.standardError)")
        for check in ["configuration", "ffmpeg", "ffprobe", "yt-dlp", "font", "job store", "storage", "render service", "MIXDOWN_SIGNING_KEY"] {
            #expect(Self.lines(status.standardOutput, "ok", check).count == 1, "\(check): \(status.standardOutput)")
        }
        #expect(!status.standardOutput.contains("FAIL"))
    }

    @Test("on PostgreSQL, a bucket and a live render node: the store is migrated, presigned URLs fetch back, the node takes the token")
    func production() async throws {
        let directory = try TestMedia.temporaryDirectory("doctor-production")
        let token = "doctor-render-token-0123456789", secret = "doctor-webhook-secret-0123456789"
        let log = directory.appendingPathComponent("node.log")
        let node = try await BackgroundProcess(
            Shell.mixdown,
            ["render-node", "--port", "0"],
            environment: ["RENDER_TOKEN": token, "INTERNAL_WEBHOOK_SECRET": secret, "MIXDOWN_RENDER_CALLBACK_ORIGIN": "http://127.0.0.1:1"],
            log: log.path
        )
        defer { node.signal(SIGKILL) }
        var endpoint: String?
        for _ in 0..<600 where endpoint == nil {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            // Its server's log line: `listening on 127.0.0.1:PORT`.
            if let range = text.range(of: "listening on 127.0.0.1:") {
                endpoint = "http://127.0.0.1:" + text[range.upperBound...].prefix { $0.isNumber }
            }
            if endpoint == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let server = try S3TestServer.shared()
        let status = try Shell.mixdown(
            ["doctor", "--for", "worker"],
            environment: [
                "DEPLOY_ENV": "production",
                "MIXDOWN_STORE": try PostgresTestServer.freshDatabaseURL("doctor"),
                "MIXDOWN_STORAGE": "s3://\(try server.makeBucket("doctor"))/mixdown",
                "S3_ENDPOINT": server.endpoint, "S3_ACCESS_KEY_ID": "AKIDTEST", "S3_SECRET_ACCESS_KEY": "test-secret",
                "MIXDOWN_SIGNING_KEY": "doctor-signing-key-0123456789-abcdefghij",
                "RENDER_ENDPOINT": try #require(endpoint, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")"),
                "RENDER_TOKEN": token, "INTERNAL_WEBHOOK_SECRET": secret,
                // Nothing listens there: the render service must reach it, this machine need not.
                "MIXDOWN_PUBLIC_URL": "http://127.0.0.1:1",
            ]
        )
        #expect(status.exitCode == 0, "\(status.standardOutput)\(status.standardError)")
        #expect(Self.lines(status.standardOutput, "ok", "job store").first?.contains("reachable, migrated and writable") == true)
        #expect(Self.lines(status.standardOutput, "ok", "storage").first?.contains("presigned URLs fetch the object back") == true)
        #expect(Self.lines(status.standardOutput, "ok", "render service").first?.contains("takes RENDER_TOKEN") == true, "\(status.standardOutput)")
        #expect(Self.lines(status.standardOutput, "warn", "public URL").count == 1)
    }

    @Test("a broken configuration: each broken part is a FAIL line that says how to fix it, and the exit status is 1")
    func broken() throws {
        let directory = try TestMedia.temporaryDirectory("doctor-broken")
        let file = directory.appendingPathComponent("not-a-folder")
        try Data("x".utf8).write(to: file)
        let status = try Shell.mixdown(
            ["doctor"],
            environment: [
                "MIXDOWN_STORE": "sqlite:\(file.path)/store.sqlite",
                "MIXDOWN_STORAGE": file.path,
                "MIXDOWN_FFMPEG": "/nonexistent/ffmpeg",
                "MIXDOWN_FONT": "/nonexistent/font.ttf",
                "RENDER_ENDPOINT": "http://127.0.0.1:1",
                "RENDER_TOKEN": String(repeating: "a", count: 20),
                "MIXDOWN_PUBLIC_URL": "http://127.0.0.1:1",
            ]
        )
        #expect(status.exitCode == 1, "\(status.standardOutput)\(status.standardError)")
        let out = status.standardOutput
        #expect(Self.lines(out, "FAIL", "ffmpeg").first?.contains("MIXDOWN_FFMPEG") == true, "\(out)")
        #expect(Self.lines(out, "FAIL", "font").first?.contains("MIXDOWN_FONT") == true, "\(out)")
        #expect(Self.lines(out, "FAIL", "job store").count == 1, "\(out)")
        #expect(Self.lines(out, "FAIL", "storage").count == 1, "\(out)")
        #expect(Self.lines(out, "FAIL", "render service").first?.contains("mixdown render-node running") == true, "\(out)")
        #expect(Self.lines(out, "FAIL", "RENDER_TOKEN").first?.contains("different characters") == true, "\(out)")
        #expect(Self.lines(out, "FAIL", "INTERNAL_WEBHOOK_SECRET").count == 1, "\(out)")
        #expect(Self.lines(out, "ok", "ffprobe").count == 1, "the checks after a failure still run")
    }

    @Test("a production render node needs no store or bucket: its doctor checks its tools and secrets only")
    func renderNode() throws {
        let status = try Shell.mixdown(
            ["doctor", "--for", "render-node"],
            environment: [
                "DEPLOY_ENV": "production", "RENDER_TOKEN": "doctor-render-token-0123456789",
                "INTERNAL_WEBHOOK_SECRET": "doctor-webhook-secret-0123456789", "MIXDOWN_RENDER_CALLBACK_ORIGIN": "https://api.example.com",
            ]
        )
        #expect(status.exitCode == 0, "\(status.standardOutput)\(status.standardError)")
        #expect(Self.lines(status.standardOutput, "ok", "RENDER_TOKEN").count == 1 && Self.lines(status.standardOutput, "ok", "ffmpeg").count == 1)
        #expect(!status.standardOutput.contains("job store") && !status.standardOutput.contains("MIXDOWN_API_KEYS"))
    }

    @Test("an invalid setting: each problem is a FAIL configuration line, exit 78")
    func invalid() throws {
        let status = try Shell.mixdown(["doctor"], environment: ["MIXDOWN_PORT": "eighty", "MIXDOWN_MAX_ATTEMPTS": "0"])
        #expect(status.exitCode == 78, "\(status.standardOutput)\(status.standardError)")
        let failures = Self.lines(status.standardOutput, "FAIL", "configuration")
        #expect(failures.contains { $0.contains("MIXDOWN_PORT=eighty") } && failures.count >= 2, "\(status.standardOutput)")
    }
}
