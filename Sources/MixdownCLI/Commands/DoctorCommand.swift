import ArgumentParser
internal import Foundation
import MixdownJobs

/// `mixdown doctor`: checks a configuration end to end and says, for each part, ok or what is wrong and
/// how to fix it. Exit 0 when nothing failed, 1 when a check failed, 78 when the configuration itself is
/// invalid (each problem named).
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the configuration end to end: tools, fonts, job store, storage, render service, secrets."
    )

    @Option(help: "Check it as these processes would: server, worker, render-node, cli or all.")
    var `for`: String = "all"

    func run() async throws {
        guard let readers = Setting.Readers(named: self.for) else {
            throw ValidationError("--for takes server, worker, render-node, cli or all")
        }
        let environment: MixdownEnvironment
        let configuration: MixdownConfiguration
        do {
            environment = try await MixdownEnvironment.load()
            configuration = try MixdownConfiguration(environment, for: readers)
        } catch let problem as MixdownConfiguration.Problem {
            for line in problem.problems { Console.print(Self.line(DoctorCheck("configuration", .failure, line))) }
            throw ExitStatus.configuration
        }
        Console.print(Self.line(DoctorCheck("configuration", .ok, "DEPLOY_ENV=\(environment.deployment.rawValue), valid for \(self.for)")))
        var failed = false
        for check in await ConfigurationDoctor(configuration: configuration, environment: environment, readers: readers).run() {
            Console.print(Self.line(check))
            failed = failed || check.level == .failure
        }
        if failed { throw ExitStatus.runFailed }
    }

    static func line(_ check: DoctorCheck) -> String {
        let level =
            switch check.level {
            case .ok: "ok  "
            case .warning: "warn"
            case .failure: "FAIL"
            }
        return "\(level)  \(check.name.padding(toLength: 24, withPad: " ", startingAt: 0))\(check.detail)"
    }
}
