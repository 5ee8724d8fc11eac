import MixdownJobs

/// The CLI's door to the one factory: configuration problems become one readable error.
enum Services {
    static func make() throws -> MixdownServices {
        do {
            return try MixdownServices.fromEnvironment()
        } catch let problem as MixdownConfiguration.Problem {
            Console.error(problem.description)
            throw ExitStatus.configuration
        }
    }
}
