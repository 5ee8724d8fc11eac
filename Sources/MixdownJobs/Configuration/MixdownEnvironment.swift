internal import Configuration
internal import Foundation
import MixdownRecipe
internal import Synchronization
internal import SystemPackage

/// The one door to configuration: every process (server, worker, CLI) reads its settings here, from the
/// process environment first, then a `.env` file, then the defaults `DEPLOY_ENV` picks. Only names in
/// ``Setting/all`` can be read, so the table, `.env.example` and the code cannot drift apart unnoticed.
///
/// Built on swift-configuration: the three layers are providers of one `ConfigReader`, secrets are marked
/// as such there (redacted in its access logs), and its parser reads the `.env` file.
public struct MixdownEnvironment: Sendable {
    public let deployment: Deployment
    /// The `.env` file read, if one was.
    public let filePath: String?
    private let processValues: [String: String]
    private let fileValues: [String: String]
    private let reader: ConfigReader
    private let log = ReadLog()

    /// The process environment and the `.env` file (`MIXDOWN_ENV_FILE`, default `./.env`; a missing file
    /// is fine, a named one that is missing is not).
    public static func load(_ environment: [String: String]? = nil, readFile: Bool = true) async throws -> MixdownEnvironment {
        let process = environment ?? ProcessInfo.processInfo.environment
        guard readFile else { return try MixdownEnvironment(process) }
        let named = process["MIXDOWN_ENV_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        let path = named ?? ".env"
        // A .env file is a few kilobytes; anything past 1 MiB (or not a regular file) is a mistake.
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path) {
            let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
            if attributes[.type] as? FileAttributeType != .typeRegular || size > 1 << 20 {
                throw MixdownConfiguration.Problem(problems: ["MIXDOWN_ENV_FILE=\(path): expected a regular file of at most 1 MiB"])
            }
        }
        let provider: EnvironmentVariablesProvider
        do {
            provider = try await EnvironmentVariablesProvider(environmentFilePath: FilePath(path), allowMissing: named == nil)
        } catch {
            throw MixdownConfiguration.Problem(problems: ["MIXDOWN_ENV_FILE=\(path): cannot read it (\(error))"])
        }
        var file: [String: String] = [:]
        for setting in Setting.all where setting.name != "MIXDOWN_ENV_FILE" {
            if let value = try? provider.environmentValue(forName: setting.name), !value.isEmpty { file[setting.name] = value }
        }
        let exists = FileManager.default.fileExists(atPath: path)
        return try MixdownEnvironment(process, file: file, filePath: exists ? path : nil)
    }

    /// From explicit values (tests, and processes that read no file).
    public init(_ environment: [String: String], file: [String: String] = [:], filePath: String? = nil) throws {
        // Only the table's names are kept: nothing else in the environment can reach the code.
        var process: [String: String] = [:]
        for setting in Setting.all {
            if let value = environment[setting.name], !value.isEmpty { process[setting.name] = value }
        }
        self.processValues = process
        self.fileValues = file.filter { Setting.byName[$0.key] != nil && !$0.value.isEmpty }
        self.filePath = filePath
        let deploymentText = process["DEPLOY_ENV"] ?? fileValues["DEPLOY_ENV"] ?? Deployment.local.rawValue
        guard let deployment = Deployment(rawValue: deploymentText) else {
            throw MixdownConfiguration.Problem(problems: ["DEPLOY_ENV=\(Excerpt.excerpt(deploymentText)): expected local or production"])
        }
        self.deployment = deployment
        var defaults: [AbsoluteConfigKey: ConfigValue] = [:]
        for setting in Setting.all {
            if let value = setting.defaultValue(deployment) {
                defaults[AbsoluteConfigKey([setting.name])] = ConfigValue(.string(value), isSecret: setting.isSecret)
            }
        }
        let secrets = Set(Setting.all.filter(\.isSecret).map(\.name))
        reader = ConfigReader(providers: [
            EnvironmentVariablesProvider(environmentVariables: process, secretsSpecifier: .specific(secrets)),
            EnvironmentVariablesProvider(environmentVariables: fileValues, secretsSpecifier: .specific(secrets)),
            InMemoryProvider(name: "defaults (\(deployment.rawValue))", values: defaults),
        ])
        log.names.withLock { _ = $0.insert("DEPLOY_ENV") }
    }

    /// The effective value of a variable in the table; nil when unset and without a default.
    public func value(_ name: String) -> String? {
        guard let setting = Setting.byName[name] else { return nil }
        log.names.withLock { _ = $0.insert(name) }
        return reader.string(forKey: ConfigKey([name]), isSecret: setting.isSecret)
    }

    /// Where a variable's value came from.
    public func source(_ name: String) -> String {
        if processValues[name] != nil { return "environment" }
        if fileValues[name] != nil { return filePath.map { "file \($0)" } ?? "file" }
        if Setting.byName[name]?.defaultValue(deployment) != nil { return "default (\(deployment.rawValue))" }
        return "unset"
    }

    /// Whether the process or the file set this variable (a default does not count).
    public func isSet(_ name: String) -> Bool {
        log.names.withLock { _ = $0.insert(name) }
        return processValues[name] != nil || fileValues[name] != nil
    }

    /// The names read so far, so a test can show that every variable in the table is read by the code.
    public var namesRead: Set<String> { log.names.withLock { $0 } }
}

private final class ReadLog: Sendable {
    let names = Mutex<Set<String>>([])
}
