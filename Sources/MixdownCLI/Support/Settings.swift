import MixdownExecution
import MixdownJobs

/// The CLI's door to the one factory and its configuration: problems become one readable error.
enum Services {
    static func configuration() throws -> MixdownConfiguration {
        do {
            return try MixdownConfiguration.fromEnvironment()
        } catch let problem as MixdownConfiguration.Problem {
            Console.error(problem.description)
            throw ExitStatus.configuration
        }
    }

    static func make() throws -> MixdownServices {
        try MixdownServices.make(try configuration())
    }

    /// The download caps for commands that run recipes without the job system.
    static func inputLimits() throws -> InputLimits {
        let configuration = try configuration()
        return InputLimits(
            maximumBytes: configuration.inputLimits.maximumBytes,
            maximumDurationSeconds: configuration.inputLimits.maximumDurationSeconds,
            allowPrivateAddresses: configuration.allowPrivateURLs
        )
    }
}
