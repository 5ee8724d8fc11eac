public import ArgumentParser

/// `mixdown`: validate, plan and run audio and video recipes.
public struct MixdownCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mixdown",
        abstract: "Turn YAML recipes into audio and video.",
        version: MixdownVersion.current,
        subcommands: [
            ValidateCommand.self,
            PlanCommand.self,
            RunCommand.self,
            BatchCommand.self,
            OpsCommand.self,
            ErrorsCommand.self,
            SchemaCommand.self,
            ConfigCommand.self,
            DoctorCommand.self,
            SubmitCommand.self,
            WorkerCommand.self,
            JobsCommand.self,
            ServeCommand.self,
            DevCommand.self,
            RenderNodeCommand.self,
            BenchStoreCommand.self,
            BenchStorageCommand.self,
        ]
    )

    public init() {}

    /// Parses the process's arguments and runs the chosen command; the executable's whole `main`.
    public static func start() async {
        await main()
    }
}

/// The version reported by `--version` and mixed into batch content hashes.
public enum MixdownVersion {
    public static let current = "0.1.0"
}
