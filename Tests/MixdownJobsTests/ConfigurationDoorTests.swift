import Foundation
import MixdownJobs
import MixdownTestSupport
import Testing

/// The one configuration door: one key table, `.env.example` in step with it, production refusing to
/// start without what several machines must share, and local needing nothing.
@Suite("Configuration door")
struct ConfigurationDoorTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Names `.env.example` lists, set (`NAME=`) or commented out (`# NAME=`).
    static func exampleNames() throws -> [String] {
        let text = try String(contentsOf: root.appendingPathComponent(".env.example"), encoding: .utf8)
        let pattern = try NSRegularExpression(pattern: #"^#?\s*([A-Z][A-Z0-9_]*)="#, options: [.anchorsMatchLines])
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    @Test(".env.example lists exactly the variables of the key table, each once")
    func exampleMatchesTable() throws {
        let listed = try Self.exampleNames()
        let table = Setting.all.map(\.name)
        #expect(Set(listed).count == listed.count, "a name listed twice")
        #expect(Set(table).count == table.count, "a name in the table twice")
        #expect(Set(listed).subtracting(table).sorted() == [], "listed in .env.example but never read")
        #expect(Set(table).subtracting(listed).sorted() == [], "read by the code but missing from .env.example")
    }

    @Test("Docs/settings.md carries the reference generated from the key table, and the other pages link to it")
    func settingsReference() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("Docs/settings.md"), encoding: .utf8)
        let begin = try #require(text.range(of: "<!-- BEGIN SETTINGS -->\n")), end = try #require(text.range(of: "<!-- END SETTINGS -->"))
        #expect(String(text[begin.upperBound..<end.lowerBound]) == Setting.markdownReference, "run: mixdown config --markdown")
        // Every other page: README.md and each page of Docs/, so a new page cannot forget it.
        let docs = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Docs").path)
            .filter { $0.hasSuffix(".md") && $0 != "settings.md" }.map { "Docs/\($0)" }
        #expect(docs.count >= 10)
        for page in ["README.md"] + docs.sorted() {
            let linking = try String(contentsOf: Self.root.appendingPathComponent(page), encoding: .utf8)
            #expect(linking.contains("settings.md"), "\(page) does not link the settings reference")
        }
    }

    @Test("the code reads every variable of the table, through the door")
    func everyVariableIsRead() throws {
        let environment = try MixdownEnvironment([
            "MIXDOWN_STORAGE": "s3://bucket/prefix", "S3_ACCESS_KEY_ID": "id", "S3_SECRET_ACCESS_KEY": "secret",
            "TURSO_DATABASE_URL": "http://127.0.0.1:1",
        ])
        _ = try? MixdownConfiguration(environment, for: .all)
        // MIXDOWN_ENV_FILE is read by `load` before the table exists; CONFIG_ACCESS_LOG_FILE by swift-configuration itself.
        let unread = Set(Setting.all.map(\.name)).subtracting(environment.namesRead).subtracting(["MIXDOWN_ENV_FILE", "CONFIG_ACCESS_LOG_FILE"])
        #expect(unread.sorted() == [])
    }

    @Test("no source file outside the door reads the environment")
    func oneDoor() throws {
        let sources = Self.root.appendingPathComponent("Sources")
        let door = "MixdownJobs/Configuration/MixdownEnvironment.swift"
        var offenders: [String] = []
        let enumerator = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "swift", !url.path.hasSuffix(door) else { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            for needle in ["processInfo.environment", "getenv(", "EnvironmentVariablesProvider("] where text.contains(needle) {
                offenders.append("\(url.lastPathComponent): \(needle)")
            }
        }
        #expect(offenders == [])
    }

    @Test("a local process needs no credentials: the embedded defaults")
    func localDefaults() throws {
        let configuration = try MixdownConfiguration.fromEnvironment([:])
        #expect(configuration.deployment == .local)
        #expect(configuration.store == "sqlite:.mixdown/mixdown.sqlite" && configuration.storage == ".mixdown/storage")
        #expect(configuration.server.host == "127.0.0.1" && configuration.server.apiKeys.isEmpty)
    }

    @Test("production names every missing variable at once, with what it is for, per process")
    func productionRequirements() throws {
        func problems(_ environment: [String: String], for readers: Setting.Readers) -> [String] {
            do {
                _ = try MixdownConfiguration.fromEnvironment(environment, for: readers)
                return []
            } catch let problem as MixdownConfiguration.Problem {
                return problem.problems
            } catch {
                return ["\(error)"]
            }
        }
        let server = problems(["DEPLOY_ENV": "production"], for: .server)
        for name in ["MIXDOWN_STORE", "MIXDOWN_STORAGE", "MIXDOWN_SIGNING_KEY", "MIXDOWN_API_KEYS"] {
            #expect(server.contains { $0.hasPrefix("\(name) is not set") }, "\(name) in \(server)")
        }
        #expect(server.count == 4)
        #expect(server.allSatisfy { $0.contains("(") }, "each says what the variable is for")
        let worker = problems(["DEPLOY_ENV": "production"], for: .worker)
        #expect(worker.count == 3 && !worker.contains { $0.contains("MIXDOWN_API_KEYS") })
        let cli = problems(["DEPLOY_ENV": "production"], for: .cli)
        #expect(cli.count == 2, "\(cli)")
        let bucketWithoutKeys = problems(
            ["DEPLOY_ENV": "production", "MIXDOWN_STORE": "postgres://u@db/m", "MIXDOWN_STORAGE": "s3://media", "S3_ENDPOINT": "r2.example"],
            for: .cli
        )
        #expect(bucketWithoutKeys.contains { $0.hasPrefix("S3_ACCESS_KEY_ID is not set") })
        #expect(bucketWithoutKeys.contains { $0.hasPrefix("S3_SECRET_ACCESS_KEY is not set") })
        #expect(bucketWithoutKeys.contains { $0.contains("must start with http:// or https:// (S3_ENDPOINT)") }, "\(bucketWithoutKeys)")
        let turso = problems(["DEPLOY_ENV": "production", "MIXDOWN_STORE": "libsql://db.turso.io", "MIXDOWN_STORAGE": "/data"], for: .cli)
        #expect(turso.count == 1 && turso[0].hasPrefix("TURSO_AUTH_TOKEN is not set"))
        let complete = problems(
            [
                "DEPLOY_ENV": "production", "MIXDOWN_STORE": "postgres://u:p@db:5432/m", "MIXDOWN_STORAGE": "s3://media/prod",
                "S3_ACCESS_KEY_ID": "id", "S3_SECRET_ACCESS_KEY": "secret", "MIXDOWN_SIGNING_KEY": String(repeating: "k", count: 32),
                "MIXDOWN_API_KEYS": "key-0123456789abcdef",
            ],
            for: .all
        )
        #expect(complete == [])
        #expect(problems(["DEPLOY_ENV": "staging"], for: .all).first?.hasPrefix("DEPLOY_ENV=staging") == true)
    }

    @Test("the process environment beats the .env file, which beats the defaults; mixdown config says which")
    func precedenceAndSources() async throws {
        let directory = try TestMedia.temporaryDirectory("config")
        let file = directory.appendingPathComponent("prod.env").path
        try "MIXDOWN_PORT=9000\nMIXDOWN_HOST=0.0.0.0\n# MIXDOWN_POLL_SECONDS=9\nS3_SECRET_ACCESS_KEY=from-file\n".write(
            toFile: file,
            atomically: true,
            encoding: .utf8
        )
        let environment = try await MixdownEnvironment.load(["MIXDOWN_ENV_FILE": file, "MIXDOWN_PORT": "9100"])
        #expect(environment.value("MIXDOWN_PORT") == "9100" && environment.source("MIXDOWN_PORT") == "environment")
        #expect(environment.value("MIXDOWN_HOST") == "0.0.0.0" && environment.source("MIXDOWN_HOST") == "file \(file)")
        #expect(environment.value("MIXDOWN_POLL_SECONDS") == "3" && environment.source("MIXDOWN_POLL_SECONDS") == "default (local)")
        #expect(environment.source("MIXDOWN_API_KEYS") == "unset")
        for bad in [directory.appendingPathComponent("missing.env").path, directory.path, "/dev/zero"] {
            await #expect(throws: MixdownConfiguration.Problem.self) { _ = try await MixdownEnvironment.load(["MIXDOWN_ENV_FILE": bad]) }
        }
        let huge = directory.appendingPathComponent("huge.env")
        #expect(FileManager.default.createFile(atPath: huge.path, contents: Data(count: (1 << 20) + 1)))
        await #expect(throws: MixdownConfiguration.Problem.self) { _ = try await MixdownEnvironment.load(["MIXDOWN_ENV_FILE": huge.path]) }
    }

    @Test("store locations: the forms libSQL's and PostgreSQL's clients accept; TURSO_DATABASE_URL as the original name")
    func storeLocations() throws {
        #expect(try StoreLocation.parse("libsql://db-org.turso.io").get() == .libsql(url: URL(string: "https://db-org.turso.io")!))
        #expect(try StoreLocation.parse("http://127.0.0.1:8081").get() == .libsql(url: URL(string: "http://127.0.0.1:8081")!))
        #expect(try StoreLocation.parse("postgresql://u@h/db").get() == .postgres(url: "postgresql://u@h/db"))
        #expect(try StoreLocation.parse("sqlite:/tmp/x.sqlite").get() == .sqlite(path: "/tmp/x.sqlite"))
        #expect((try? StoreLocation.parse("mysql://h/db").get()) == nil)
        #expect(StoreLocation.redacted("postgres://mixdown:p%40ss@db:5432/m") == "postgres://mixdown:***@db:5432/m")
        #expect(StoreLocation.redacted("libsql://db.turso.io?authToken=abc") == "libsql://db.turso.io")
        #expect((try? StoreLocation.parse("postgres://").get()) == nil)
        #expect((try? StoreLocation.parse("postgres:u:secret@h").get()) == nil, "a mistyped URL is not a SQLite file name")
        let turso = try MixdownConfiguration.fromEnvironment(["TURSO_DATABASE_URL": "libsql://db.turso.io", "TURSO_AUTH_TOKEN": "t"])
        #expect(turso.store == "libsql://db.turso.io" && turso.storeAuthToken == "t")
    }
}
