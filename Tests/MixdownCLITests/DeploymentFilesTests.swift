import Foundation
import MixdownTestSupport
import Testing

/// The deployment files are checked with the tools that can check them here (no container engine, no
/// GitHub, no Render account): hadolint for the Dockerfile, GitHub's workflow schema for the workflows,
/// and the blueprint's keys and commands against what mixdown has.
@Suite("Deployment files")
struct DeploymentFilesTests {
    static let root = TestMedia.repositoryRoot

    /// The variables `.env.example` documents, set or commented out.
    static func documented() throws -> Set<String> {
        let text = try String(contentsOf: root.appendingPathComponent(".env.example"), encoding: .utf8)
        var names = Set<String>()
        for line in text.split(separator: "\n") {
            let body = line.hasPrefix("# ") ? line.dropFirst(2) : line[...]
            if let equals = body.firstIndex(of: "="), body[..<equals].allSatisfy({ $0.isUppercase || $0.isNumber || $0 == "_" }),
                !body[..<equals].isEmpty
            {
                names.insert(String(body[..<equals]))
            }
        }
        return names
    }

    @Test("the Dockerfile passes hadolint, runs mixdown as a non-root user, and sets only documented variables")
    func dockerfile() throws {
        let path = Self.root.appendingPathComponent("Dockerfile").path
        let lint = try Shell.run("hadolint", ["--config", Self.root.appendingPathComponent(".hadolint.yaml").path, path])
        #expect(lint.exitCode == 0, "\(lint.standardOutput)\(lint.standardError)")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("ENTRYPOINT [\"mixdown\"]") && text.contains("USER 10001") && text.contains("HEALTHCHECK"))
        // The studio's resource bundle, under the name this build gives it, goes beside the binary.
        let bundles = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent(".build/debug").path)
            .filter { $0.hasSuffix("_MixdownServer.resources") }
        #expect(bundles.count == 1)
        for bundle in bundles {
            #expect(text.contains("COPY --from=build /usr/local/bin/\(bundle) /usr/local/bin/\(bundle)"), "the image lacks \(bundle)")
        }
        let documented = try Self.documented()
        for line in text.split(separator: "\n") where line.hasPrefix("ENV ") {
            for assignment in line.dropFirst(4).split(separator: " ") {
                let name = String(assignment.prefix { $0 != "=" })
                #expect(documented.contains(name), "\(name) is set by the Dockerfile but not in .env.example")
            }
        }
    }

    @Test("the GitHub workflows validate against GitHub's workflow schema and run the README's test command")
    func workflows() throws {
        let folder = Self.root.appendingPathComponent(".github/workflows")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yml") }.map {
            folder.appendingPathComponent($0).path
        }
        #expect(!files.isEmpty)
        let check = try Shell.run("check-jsonschema", ["--builtin-schema", "vendor.github-workflows"] + files)
        #expect(check.exitCode == 0, "\(check.standardOutput)\(check.standardError)")
        let ci = try String(contentsOfFile: folder.appendingPathComponent("ci.yml").path, encoding: .utf8)
        #expect(ci.contains("bash .ci/run"))
        #expect(!ci.contains("\n    env:") && !ci.contains("\n        env:"), "the workflows set no variable of their own")
    }

    @Test("the Render blueprint runs mixdown commands that exist, checks readiness, and uses only documented variables")
    func blueprint() throws {
        // PyYAML (installed with the test tools) reads the YAML; the checks are here.
        let converted = try Shell.run(
            "python3",
            [
                "-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
                Self.root.appendingPathComponent("render.yaml").path,
            ]
        )
        #expect(converted.exitCode == 0, "\(converted.standardError)")
        let blueprint = try #require(try JSONSerialization.jsonObject(with: Data(converted.standardOutput.utf8)) as? [String: Any])
        let services = try #require(blueprint["services"] as? [[String: Any]])
        #expect(Set(services.compactMap { $0["type"] as? String }) == ["web", "worker"])
        var variables: [String] = []
        for service in services {
            #expect(service["runtime"] as? String == "docker" && service["dockerfilePath"] as? String == "./Dockerfile")
            let command = try #require(service["dockerCommand"] as? String)
            // The image's entrypoint is mixdown: the command is one of its subcommands.
            let help = try Shell.mixdown(command.split(separator: " ").map(String.init) + ["--help"])
            #expect(help.exitCode == 0, "mixdown \(command) is not a command")
            if service["type"] as? String == "web" { #expect(service["healthCheckPath"] as? String == "/readyz") }
            for entry in service["envVars"] as? [[String: Any]] ?? [] {
                if let key = entry["key"] as? String { variables.append(key) }
                if let group = entry["fromGroup"] as? String {
                    #expect((blueprint["envVarGroups"] as? [[String: Any]])?.contains { $0["name"] as? String == group } == true, "group \(group)")
                }
                if let database = (entry["fromDatabase"] as? [String: Any])?["name"] as? String {
                    #expect(
                        (blueprint["databases"] as? [[String: Any]])?.contains { $0["name"] as? String == database } == true,
                        "database \(database)"
                    )
                }
            }
        }
        for group in blueprint["envVarGroups"] as? [[String: Any]] ?? [] {
            let entries = group["envVars"] as? [[String: Any]] ?? []
            variables += entries.compactMap { $0["key"] as? String }
            // A group holds values and generated values only; what is asked for lives on the services.
            #expect(entries.allSatisfy { $0["value"] != nil || $0["generateValue"] as? Bool == true }, "\(group)")
        }
        let documented = try Self.documented()
        #expect(!variables.isEmpty)
        for name in variables { #expect(documented.contains(name), "\(name) is set by render.yaml but not in .env.example") }
        // What production refuses to start without is there: the store, the storage, the keys.
        for name in ["DEPLOY_ENV", "MIXDOWN_STORE", "MIXDOWN_STORAGE", "MIXDOWN_SIGNING_KEY", "MIXDOWN_API_KEYS", "S3_ACCESS_KEY_ID"] {
            #expect(variables.contains(name), "\(name)")
        }
    }
}
