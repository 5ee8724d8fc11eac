import ArgumentParser

/// Exit statuses from sysexits(3), so scripts can tell a bad recipe from a failed run.
enum ExitStatus {
    /// The recipe is invalid (EX_DATAERR).
    static let invalidRecipe = ExitCode(65)
    /// A run failed: a tool, an input, an expectation.
    static let runFailed = ExitCode(1)
    /// Interrupted by the user (128 + SIGINT).
    static let interrupted = ExitCode(130)
    /// The environment holds an invalid setting (EX_CONFIG).
    static let configuration = ExitCode(78)
    /// No such job (EX_NOINPUT).
    static let notFound = ExitCode(66)
}
