import ArgumentParser
internal import Foundation
import MixdownJobs

/// `mixdown config`: the effective configuration, where each value came from, and whether it is valid
/// for the chosen processes. Secrets are never printed.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Print the effective configuration (secrets redacted) and where each value came from."
    )

    @Option(help: "Check it as these processes would: server, worker, render-node, cli or all.")
    var `for`: String = "all"

    @Flag(help: "Print the settings reference (every variable, its readers and defaults) as Markdown, for Docs/settings.md.")
    var markdown = false

    func run() async throws {
        if markdown {
            Console.print(Setting.markdownReference)
            return
        }
        guard let readers = Setting.Readers(named: self.for) else {
            throw ValidationError("--for takes server, worker, render-node, cli or all")
        }
        let environment: MixdownEnvironment
        do {
            environment = try await MixdownEnvironment.load()
        } catch let problem as MixdownConfiguration.Problem {
            Console.error(problem.description)
            throw ExitStatus.configuration
        }
        Console.print(Self.report(environment))
        do {
            _ = try MixdownConfiguration(environment, for: readers)
            Console.print("\nvalid for: \(self.for)")
        } catch let problem as MixdownConfiguration.Problem {
            Console.error(problem.description)
            throw ExitStatus.configuration
        }
    }

    /// One line a variable: name, value (secrets redacted), source, the processes that read it.
    static func report(_ environment: MixdownEnvironment) -> String {
        let width = Setting.all.map(\.name.count).max() ?? 0
        var lines = ["# DEPLOY_ENV=\(environment.deployment.rawValue)" + (environment.filePath.map { ", file \($0)" } ?? ", no .env file")]
        for setting in Setting.all {
            let value: String
            switch environment.value(setting.name) {
            case nil: value = "-"
            case .some where setting.isSecret: value = "<redacted>"
            case let text? where ["MIXDOWN_STORE", "TURSO_DATABASE_URL", "S3_ENDPOINT", "S3_PUBLIC_BASE_URL"].contains(setting.name):
                value = StoreLocation.redacted(text)
            case let text?: value = text
            }
            let name = setting.name.padding(toLength: width, withPad: " ", startingAt: 0)
            lines.append("\(name)  \(value)  [\(environment.source(setting.name)); \(setting.readersDescription)]")
        }
        return lines.joined(separator: "\n")
    }
}
