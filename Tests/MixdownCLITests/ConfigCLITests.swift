import Foundation
import MixdownTestSupport
import Testing

/// Every process goes through the same configuration door: in production each refuses to start without
/// what it needs, naming all of it at once; locally none needs a credential; `mixdown config` shows it all.
@Suite("mixdown config and start-up validation")
struct ConfigCLITests {
    @Test("mixdown config prints each value, redacts secrets and says where each came from")
    func printsEffectiveConfiguration() throws {
        let directory = try TestMedia.temporaryDirectory("config-cli")
        let file = directory.appendingPathComponent("mixdown.env").path
        try "MIXDOWN_PORT=9001\nTURSO_AUTH_TOKEN=token-from-file-0123456789\n".write(toFile: file, atomically: true, encoding: .utf8)
        let secret = "s3-secret-that-must-not-print-0123456789"
        let status = try Shell.mixdown(
            ["config"],
            environment: [
                "MIXDOWN_ENV_FILE": file, "S3_SECRET_ACCESS_KEY": secret, "MIXDOWN_API_KEYS": "api-key-0123456789abcdef",
                "TURSO_DATABASE_URL": "libsql://db.turso.io?authToken=url-token-0123456789",
            ]
        )
        #expect(status.exitCode == 0, "\(status.standardError)")
        let output = status.standardOutput
        #expect(!output.contains(secret) && !output.contains("token-from-file") && !output.contains("api-key-0123456789abcdef"))
        let lines = output.split(separator: "\n").map(String.init)
        func line(_ name: String) -> String { lines.first { $0.hasPrefix(name + " ") } ?? "" }
        #expect(!output.contains("url-token") && line("TURSO_DATABASE_URL").contains("libsql://db.turso.io"))
        #expect(line("S3_SECRET_ACCESS_KEY").contains("<redacted>") && line("S3_SECRET_ACCESS_KEY").contains("[environment;"))
        #expect(line("TURSO_AUTH_TOKEN").contains("<redacted>") && line("TURSO_AUTH_TOKEN").contains("[file \(file);"))
        #expect(line("MIXDOWN_PORT").contains("9001") && line("MIXDOWN_PORT").contains("server]"))
        #expect(line("MIXDOWN_STORE").contains("sqlite:.mixdown/mixdown.sqlite") && line("MIXDOWN_STORE").contains("[default (local);"))
        #expect(output.contains("valid for: all"))
    }

    @Test(
        "in production the server, the worker and the CLI each exit 78 naming every missing variable",
        arguments: [
            (["serve"], ["MIXDOWN_STORE", "MIXDOWN_STORAGE", "MIXDOWN_SIGNING_KEY", "MIXDOWN_API_KEYS"]),
            (["worker"], ["MIXDOWN_STORE", "MIXDOWN_STORAGE", "MIXDOWN_SIGNING_KEY"]),
            (["jobs", "list"], ["MIXDOWN_STORE", "MIXDOWN_STORAGE"]),
        ]
    )
    func productionRefusesIncomplete(command: [String], missing: [String]) throws {
        let status = try Shell.mixdown(command, environment: ["DEPLOY_ENV": "production"])
        #expect(status.exitCode == 78, "\(status.standardError)")
        for name in missing { #expect(status.standardError.contains("\(name) is not set"), "\(name): \(status.standardError)") }
        #expect(status.standardError.components(separatedBy: " is not set").count - 1 == missing.count)
    }

    @Test("credentials inside the bucket's URLs are never printed, in the table or in the start-up error")
    func bucketURLCredentials() throws {
        let status = try Shell.mixdown(
            ["config"],
            environment: [
                "MIXDOWN_STORAGE": "s3://media/x", "S3_ACCESS_KEY_ID": "id", "S3_SECRET_ACCESS_KEY": "secret-0123456789",
                "S3_ENDPOINT": "http://ak:ENDPOINTPASS@127.0.0.1:1/", "S3_PUBLIC_BASE_URL": "https://u:CDNPASS@cdn.example/?sig=CDNSIG",
            ]
        )
        #expect(status.exitCode == 78, "user information in the endpoint is refused")
        let everything = status.standardOutput + status.standardError
        for secret in ["ENDPOINTPASS", "CDNPASS", "CDNSIG", "secret-0123456789"] { #expect(!everything.contains(secret), "\(secret) printed") }
        #expect(status.standardError.contains("the S3 endpoint 'http://***@127.0.0.1:1/' holds user information"))
    }

    @Test("in production, on PostgreSQL and a bucket, the server is ready, the worker runs a job and the CLI lists it")
    func productionStarts() async throws {
        let server = try S3TestServer.shared()
        let directory = try TestMedia.temporaryDirectory("production")
        let environment = [
            "DEPLOY_ENV": "production",
            "MIXDOWN_STORE": try PostgresTestServer.freshDatabaseURL("production"),
            "MIXDOWN_STORAGE": "s3://\(try server.makeBucket("production"))/mixdown",
            "S3_ENDPOINT": server.endpoint, "S3_ACCESS_KEY_ID": "AKIDTEST", "S3_SECRET_ACCESS_KEY": "test-secret",
            "MIXDOWN_SIGNING_KEY": String(repeating: "s", count: 32), "MIXDOWN_API_KEYS": "production-key-0123456789",
            "MIXDOWN_HOST": "127.0.0.1", "MIXDOWN_PORT": "0", "MIXDOWN_POLL_SECONDS": "0.5",
        ]
        let log = directory.appendingPathComponent("serve.log")
        let serve = try await BackgroundProcess(Shell.mixdown, ["serve"], environment: environment, log: log.path)
        defer { serve.signal(SIGKILL) }
        var port: Int?
        for _ in 0..<600 where port == nil {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "listening on 127.0.0.1:") { port = Int(text[range.upperBound...].prefix { $0.isNumber }) }
            if port == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let listening = try #require(port, "\((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
        let ready = try Shell.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(listening)/readyz"])
        #expect(ready.standardOutput == "200", "the store and the bucket answer: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")

        let recipes = try TestMedia.recipesCopy()
        let submitted = try Shell.mixdown(
            ["submit", recipes.appendingPathComponent("quick-preview.yaml").path, "--input", "voice=\(try TestMedia.path("voice.wav"))", "--json"],
            environment: environment
        )
        #expect(submitted.exitCode == 0, "\(submitted.standardError)")
        let worker = try Shell.mixdown(["worker", "--exit-when-idle"], environment: environment)
        #expect(worker.exitCode == 0, "\(worker.standardError)")
        let listed = try Shell.mixdown(["jobs", "list", "--json"], environment: environment)
        #expect(listed.exitCode == 0 && listed.standardOutput.contains("\"succeeded\""), "\(listed.standardOutput)\(listed.standardError)")
    }

    @Test("locally the CLI and the worker run with no credentials at all, on the embedded defaults")
    func localNeedsNothing() throws {
        let directory = try TestMedia.temporaryDirectory("config-local")
        let status = try Shell.run(Shell.mixdown, ["jobs", "list", "--json"], environment: ["DEPLOY_ENV": "local"], directory: directory)
        #expect(status.exitCode == 0, "\(status.standardError)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(".mixdown/mixdown.sqlite").path))
        let worker = try Shell.run(Shell.mixdown, ["worker", "--exit-when-idle"], environment: [:], directory: directory)
        #expect(worker.exitCode == 0, "\(worker.standardError)")
    }
}
