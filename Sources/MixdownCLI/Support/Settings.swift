import MixdownExecution
import MixdownJobs

/// The CLI's door to the one configuration door and the one factory: problems become one readable error
/// and exit status 78.
enum Services {
    /// The configuration as `readers` need it: a production server refuses to start without API keys, a
    /// `plan` needs no store credentials it would not use.
    static func configuration(for readers: Setting.Readers) async throws -> MixdownConfiguration {
        do {
            return try MixdownConfiguration(try await MixdownEnvironment.load(), for: readers)
        } catch let problem as MixdownConfiguration.Problem {
            Console.error(problem.description)
            throw ExitStatus.configuration
        }
    }

    static func make(for readers: Setting.Readers = .cli) async throws -> MixdownServices {
        let configuration = try await configuration(for: readers)
        do {
            return try MixdownServices.make(configuration)
        } catch let problem as MixdownConfiguration.Problem {
            Console.error(problem.description)
            throw ExitStatus.configuration
        }
    }
}

extension MixdownConfiguration {
    /// The download caps for commands that run recipes without the job system.
    var limits: InputLimits {
        InputLimits(
            maximumBytes: inputLimits.maximumBytes,
            maximumDurationSeconds: inputLimits.maximumDurationSeconds,
            allowPrivateAddresses: allowPrivateURLs
        )
    }
}
