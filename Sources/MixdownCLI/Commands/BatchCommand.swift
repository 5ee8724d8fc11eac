import ArgumentParser
internal import Crypto
internal import Foundation
import MixdownExecution
import MixdownJobs
import MixdownRecipe

/// `mixdown batch DIR --out DIR`: every recipe in a folder, N at a time, skipping unchanged ones.
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Run every recipe in a folder; goes on past failures and exits non-zero if any failed."
    )

    @Argument(help: "Folder of .yaml/.yml recipes.")
    var directory: String

    @Option(help: "Folder the outputs go to, one subfolder per recipe.")
    var out: String

    @Option(help: "How many recipes run at once.")
    var jobs = 1

    @Option(help: "Write a report: FILE.json or FILE.xml (JUnit).")
    var report: String?

    @Flag(help: "Run recipes even when nothing changed since the last run.")
    var force = false

    @OptionGroup var recipe: RecipeArguments

    /// Stored beside a recipe's outputs: the hash of everything that decides them.
    struct Stamp: Codable {
        var hash: String
        var outputs: [String]
    }

    func validate() throws {
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if let report, !(report.hasSuffix(".json") || report.hasSuffix(".xml")) {
            throw ValidationError("--report must end in .json or .xml")
        }
    }

    func run() async throws {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: directory) else {
            throw ValidationError("cannot read the folder \(directory)")
        }
        let files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(directory)/\($0)" }
        guard !files.isEmpty else { throw ValidationError("no .yaml or .yml recipes in \(directory)") }
        let configuration = try await Services.configuration(for: .cli)
        let tools = configuration.tools
        let preparation = RecipePreparation(
            tools: tools,
            prober: MediaProber(tools: tools),
            limits: configuration.limits,
            renderDevice: configuration.renderDevice
        )
        let toolVersion = await Self.toolVersion(tools)
        let overrides = try recipe.overrides(), uploads = try recipe.uploads()
        let (out, force, jobs) = (self.out, self.force, self.jobs)

        let entries = try await Interrupts.cancelling {
            try await withThrowingTaskGroup(of: (Int, BatchReport.Entry).self) { group in
                var results: [Int: BatchReport.Entry] = [:]
                var next = 0
                func launch() {
                    let index = next, file = files[index]
                    next += 1
                    group.addTask {
                        let entry = await Self.runOne(
                            file,
                            out: out,
                            force: force,
                            toolVersion: toolVersion,
                            overrides: overrides,
                            uploads: uploads,
                            preparation: preparation
                        )
                        let mark = entry.status == .passed ? "ok  " : entry.status == .skipped ? "skip" : "FAIL"
                        let detail = entry.status == .failed ? " — " + (entry.error?.components(separatedBy: "\n").first ?? "") : ""
                        Console.error("[\(mark)] \(entry.name) (\(String(format: "%.1f", entry.seconds)) s)\(detail)")
                        return (index, entry)
                    }
                }
                while next < min(jobs, files.count) { launch() }
                for try await (index, entry) in group {
                    results[index] = entry
                    if next < files.count { launch() }
                }
                return files.indices.map { results[$0]! }
            }
        }
        let summary = BatchReport(entries: entries)
        Console.print(summary.table())
        if let report {
            let data: Data
            if report.hasSuffix(".xml") {
                data = Data(summary.junitXML().utf8)
            } else {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                data = try encoder.encode(summary)
            }
            try data.write(to: URL(fileURLWithPath: report), options: .atomic)
        }
        if summary.failed > 0 { throw ExitStatus.runFailed }
    }

    static func runOne(
        _ file: String,
        out: String,
        force: Bool,
        toolVersion: String,
        overrides: [String: String],
        uploads: [String: String],
        preparation: RecipePreparation
    ) async -> BatchReport.Entry {
        let started = Date()
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let directory = "\(out)/\(name)"
        let stampPath = "\(directory)/.mixdown-batch.json"
        func entry(_ status: BatchReport.Entry.Status, _ outputs: [String] = [], error: String? = nil) -> BatchReport.Entry {
            BatchReport.Entry(file: file, name: name, status: status, seconds: Date().timeIntervalSince(started), outputs: outputs, error: error)
        }
        do {
            let recipe = try RecipePreparation.parse(file: file, overrides: overrides, uploads: Set(uploads.keys))
            let hash = try contentHash(file: file, recipe: recipe, overrides: overrides, uploads: uploads, toolVersion: toolVersion)
            if !force, let data = FileManager.default.contents(atPath: stampPath),
                let stamp = try? JSONDecoder().decode(Stamp.self, from: data), stamp.hash == hash,
                stamp.outputs.allSatisfy({ FileManager.default.fileExists(atPath: "\(directory)/\($0)") })
            {
                return entry(.skipped, stamp.outputs)
            }
            let run = RecipeRun(
                file: file,
                overrides: overrides,
                uploads: uploads,
                preview: nil,
                outputDirectory: directory,
                preparation: preparation
            )
            let outputs = try await run.execute { _ in }
            let names = outputs.map { URL(fileURLWithPath: $0.path).lastPathComponent }
            try JSONEncoder().encode(Stamp(hash: hash, outputs: names)).write(to: URL(fileURLWithPath: stampPath), options: .atomic)
            return entry(.passed, names)
        } catch let error as RecipeError {
            return entry(.failed, error: error.description)
        } catch let error as MixdownError {
            return entry(.failed, error: error.description)
        } catch {
            return entry(.failed, error: "\(error)")
        }
    }

    /// SHA-256 over the recipe text, the overrides, every input's content (or URL) and the tool versions.
    static func contentHash(
        file: String,
        recipe: Recipe,
        overrides: [String: String],
        uploads: [String: String],
        toolVersion: String
    ) throws -> String {
        var hasher = SHA256()
        func add(_ text: String) { hasher.update(data: Data((text + "\u{0}").utf8)) }
        add(MixdownVersion.current)
        add(toolVersion)
        hasher.update(data: FileManager.default.contents(atPath: file) ?? Data())
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) { add("set \(key)=\(value)") }
        let directory = URL(fileURLWithPath: file).deletingLastPathComponent().path
        for input in recipe.inputs {
            add("input \(input.name)")
            switch input.source {
            case .file(let path):
                add(try PlanExecutor.sha256(ofFile: path.hasPrefix("/") ? path : "\(directory)/\(path)"))
            case .upload:
                add(uploads[input.name].map { (try? PlanExecutor.sha256(ofFile: $0)) ?? $0 } ?? "")
            case .url(let url), .youtube(let url):
                add(url)
            case .asset(let id):
                add(id)
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func toolVersion(_ tools: MediaTools) async -> String {
        let collector = VersionLine()
        _ = try? await ChildProcess.run(tools.ffmpeg, ["-version"], onLine: { collector.set($0) })
        return collector.value
    }
}

/// Keeps the first line a tool prints about its version.
private final class VersionLine: @unchecked Sendable {
    private let lock = NSLock()
    private var line: String?

    func set(_ text: String) {
        lock.lock()
        if line == nil { line = text }
        lock.unlock()
    }

    var value: String {
        lock.lock()
        defer { lock.unlock() }
        return line ?? "unknown"
    }
}
