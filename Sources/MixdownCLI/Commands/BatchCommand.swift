import ArgumentParser
internal import Crypto
internal import Foundation
import MixdownExecution
import MixdownJobs
import MixdownRecipe

/// `mixdown batch`: runs here (the default, ``BatchRunCommand``), or batches of jobs in the store.
struct BatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch",
        abstract: "Run every recipe in a folder, or one recipe per input file; here, or queued as one batch of jobs (--submit).",
        subcommands: [BatchRunCommand.self, BatchStatusCommand.self, BatchCancelCommand.self],
        defaultSubcommand: BatchRunCommand.self
    )
}

/// `mixdown batch DIR --out DIR`: every recipe in a folder, N at a time, skipping unchanged ones.
/// `mixdown batch RECIPE --each NAME=GLOB --out DIR`: one recipe once per matching file (files of several
/// `--each` paired by stem), each run's outputs under `DIR/<stem>/`. With `--submit`, the runs are queued
/// as one batch of jobs for any workers instead.
struct BatchRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run every recipe in a folder, or one recipe per input file; goes on past failures and exits non-zero if any failed."
    )

    @Argument(help: "Folder of .yaml/.yml recipes, or one recipe with --each.")
    var directory: String

    @Option(
        name: .customLong("each"),
        help: ArgumentHelp(
            "Run the recipe once per file matching GLOB, given as upload input NAME; several pair files by stem.",
            valueName: "name=glob"
        )
    )
    var each: [String] = []

    @Option(
        help: ArgumentHelp("Run the recipe once per row of a CSV file: columns name inputs (voice) and params (set.lufs).", valueName: "file.csv")
    )
    var manifest: String?

    @Option(help: "Folder the outputs go to, one subfolder per run (not with --submit).")
    var out: String?

    @Flag(help: "Queue every run as a job of one batch in the store, for any workers, and return at once.")
    var submit = false

    @Flag(help: "Print JSON: one event per line while running; the batch's id with --submit.")
    var json = false

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
        if submit {
            guard out == nil, report == nil, !force else {
                throw ValidationError("--submit queues jobs: --out, --report and --force belong to `mixdown batch status ID` and to runs here")
            }
        } else if out == nil {
            throw ValidationError("--out is needed: the folder the outputs go to")
        }
    }

    /// One run of the batch: a recipe, under a name (its folder under `--out`), with its own uploads; or a
    /// run that cannot start, with why (an unpaired file).
    struct Run: Sendable {
        var file: String
        var name: String
        var uploads: [String: String] = [:]
        /// `--set` values of this run alone (a manifest's `set.` columns), over the command's.
        var overrides: [String: String] = [:]
        var problem: String?
    }

    func run() async throws {
        if manifest != nil && !each.isEmpty { throw ValidationError("--manifest and --each are two ways to name the runs: give one") }
        let runs = try manifest.map { try manifestRuns($0) } ?? (each.isEmpty ? folderRuns() : eachRuns())
        if submit { return try await submit(runs) }
        let files = runs
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
        let (out, force, jobs, json) = (self.out ?? ".", self.force, self.jobs, self.json)
        let progress = BatchProgress(total: files.count, draws: !json && Console.isTerminal)
        let events = BatchEvents(enabled: json)

        let entries: [BatchReport.Entry] = try await Interrupts.cancelling {
            try await withThrowingTaskGroup(of: (Int, BatchReport.Entry).self) { group in
                var results: [Int: BatchReport.Entry] = [:]
                var next = 0
                func launch() {
                    let index = next, run = files[index]
                    next += 1
                    progress.started()
                    events.emit(.init(event: "start", name: run.name, file: run.file))
                    group.addTask {
                        let entry = await Self.runOne(
                            run,
                            out: out,
                            force: force,
                            toolVersion: toolVersion,
                            overrides: overrides.merging(run.overrides) { $1 },
                            uploads: uploads.merging(run.uploads) { $1 },
                            preparation: preparation
                        )
                        let mark = entry.status == .passed ? "ok  " : entry.status == .skipped ? "skip" : "FAIL"
                        let detail = entry.status == .failed ? " — " + (entry.error?.components(separatedBy: "\n").first ?? "") : ""
                        if json {
                            events.emit(.init(entry))
                        } else {
                            progress.ended(
                                failed: entry.status == .failed,
                                line: "[\(mark)] \(entry.name) (\(String(format: "%.1f", entry.seconds)) s)\(detail)"
                            )
                        }
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
        progress.finish()
        let summary = BatchReport(entries: entries)
        if json {
            events.emit(.init(event: "summary", passed: summary.passed, failed: summary.failed, skipped: summary.skipped))
        } else {
            Console.print(summary.table())
        }
        if let report { try summary.write(to: report) }
        if summary.failed > 0 { throw ExitStatus.runFailed }
    }

    /// `--submit`: every run that can start becomes a job of one batch; the rest are reported, and make
    /// the exit status non-zero, after the batch is queued.
    func submit(_ runs: [Run]) async throws {
        guard runs.count <= Batch.maximumJobs else {
            throw ValidationError("a batch holds at most \(Batch.maximumJobs) jobs; this one has \(runs.count) runs: split it")
        }
        let services = try await Services.make(for: .cli)
        let overrides = try recipe.overrides(), uploads = try recipe.uploads()
        var texts: [String: String] = [:]
        var batchRuns: [BatchRun] = []
        var names: [String] = []
        var refused: [BatchSubmission.Rejection] = []
        // Stored names are the folders `batch status --out` writes: one plain segment each, all distinct.
        let items = BatchRun.itemNames(runs.map(\.name))
        for (run, item) in zip(runs, items) {
            if let problem = run.problem {
                refused.append(.init(item: run.name, error: problem))
                continue
            }
            if texts[run.file] == nil {
                guard let data = FileManager.default.contents(atPath: run.file), let text = String(data: data, encoding: .utf8) else {
                    refused.append(.init(item: run.name, error: "\(run.file): cannot read the recipe as UTF-8 text"))
                    continue
                }
                texts[run.file] = text
            }
            names.append(run.name)
            batchRuns.append(
                BatchRun(
                    item: item,
                    recipe: texts[run.file] ?? "",
                    recipeName: run.file,
                    recipeDirectory: URL(fileURLWithPath: run.file).deletingLastPathComponent().path,
                    overrides: overrides.merging(run.overrides) { $1 },
                    files: uploads.merging(run.uploads) { $1 }
                )
            )
        }
        let submission =
            batchRuns.isEmpty
            ? BatchSubmission(batch: nil, rejected: [])
            : try await JobSubmitter(services: services).submitBatch(name: directory, runs: batchRuns)
        refused += submission.rejected.map { rejection in
            var named = rejection
            if let index = rejection.index, names.indices.contains(index) { named.item = names[index] }
            named.index = nil
            return named
        }
        if json {
            Console.json(SubmittedBatch(id: submission.batch?.id, total: submission.batch?.total ?? 0, rejected: refused), pretty: false)
        } else {
            for rejection in refused { Console.error("[FAIL] \(rejection.item) — \(rejection.error.components(separatedBy: "\n").first ?? "")") }
            if let batch = submission.batch {
                Console.print(batch.id)
                Console.error("\(batch.total) jobs queued in \(batch.id); follow with `mixdown batch status \(batch.id) --wait`")
            }
        }
        if !refused.isEmpty { throw ExitStatus.runFailed }
    }

    /// What `--submit --json` prints.
    struct SubmittedBatch: Encodable {
        var id: String?
        var total: Int
        var rejected: [BatchSubmission.Rejection]
    }

    /// Every recipe in the folder, each under its own name.
    func folderRuns() throws -> [Run] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            throw ValidationError("cannot read the folder \(directory)")
        }
        let files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(directory)/\($0)" }
        guard !files.isEmpty else { throw ValidationError("no .yaml or .yml recipes in \(directory)") }
        return files.map { Run(file: $0, name: URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent) }
    }

    /// The recipe once per stem: each `--each NAME=GLOB` maps stems to files, and a stem that some glob
    /// has no file for, or two files for, is a run that fails with why, not a guess.
    func eachRuns() throws -> [Run] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), !isFolder.boolValue else {
            throw ValidationError("--each runs one recipe: \(directory) is not a recipe file")
        }
        var byInput: [(name: String, glob: String, files: [String: [String]])] = []
        for option in each {
            guard let equals = option.firstIndex(of: "="), equals != option.startIndex, option.index(after: equals) != option.endIndex else {
                throw ValidationError("--each takes NAME=GLOB, got '\(option)'")
            }
            let name = String(option[..<equals]), pattern = String(option[option.index(after: equals)...])
            guard !byInput.contains(where: { $0.name == name }) else { throw ValidationError("--each names input '\(name)' twice") }
            let matches = Self.glob(pattern)
            guard !matches.isEmpty else { throw ValidationError("--each \(name)=\(pattern) matches no file") }
            byInput.append((name, pattern, Dictionary(grouping: matches) { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }))
        }
        let stems = Set(byInput.flatMap { $0.files.keys }).sorted()
        return stems.map { stem in
            var run = Run(file: directory, name: stem)
            var problems: [String] = []
            for input in byInput {
                switch input.files[stem] ?? [] {
                case let files where files.count == 1: run.uploads[input.name] = files[0]
                case []: problems.append("no \(input.name) file for '\(stem)' (\(input.glob))")
                case let files: problems.append("\(files.count) \(input.name) files for '\(stem)': \(files.joined(separator: ", "))")
                }
            }
            if !problems.isEmpty { run.problem = "unpaired: " + problems.joined(separator: "; ") }
            return run
        }
    }

    /// The recipe once per row of a CSV manifest: a `set.NAME` column is a param, any other column an
    /// upload input (a path, relative to the manifest's folder), `name` (optional) the run's folder, else
    /// the first input's file stem. A row with a missing file fails alone, as `FILE.csv:LINE: why`.
    func manifestRuns(_ path: String) throws -> [Run] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), !isFolder.boolValue else {
            throw ValidationError("--manifest runs one recipe: \(directory) is not a recipe file")
        }
        guard let data = FileManager.default.contents(atPath: path), data.count <= 16 << 20, let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read \(path) as UTF-8 text of at most 16 MiB")
        }
        let rows: [(line: Int, fields: [String])]
        do {
            rows = try CSVRows.parse(text)
        } catch let error as CSVRows.Problem {
            throw ValidationError("\(path):\(error.line): \(error.message)")
        }
        guard let header = rows.first?.fields, rows.count > 1 else { throw ValidationError("\(path): a header and at least one row are needed") }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var used: [String: Int] = [:]
        return rows.dropFirst().map { row in
            var run = Run(file: directory, name: "row\(row.line)")
            var problems: [String] = []
            var settings: [String: String] = [:]
            guard row.fields.count == header.count else {
                run.problem = "\(path):\(row.line): \(row.fields.count) fields, the header has \(header.count)"
                return run
            }
            var named: String?
            for (column, value) in zip(header, row.fields) {
                if column == "name" {
                    named = value
                } else if column.hasPrefix("set.") {
                    settings[String(column.dropFirst(4))] = value
                } else {
                    let file = value.hasPrefix("/") ? value : "\(base)/\(value)"
                    if value.isEmpty || !FileManager.default.fileExists(atPath: file) {
                        problems.append("input '\(column)': no file '\(value)'")
                    }
                    run.uploads[column] = file
                    if named == nil, run.uploads.count == 1 { run.name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent }
                }
            }
            if let named, !named.isEmpty { run.name = named }
            // Folder names stay inside --out and apart from one another.
            run.name = run.name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "_" }.reduce(into: "") {
                $0.append($1)
            }
            if run.name.isEmpty || run.name.hasPrefix(".") { run.name = "row\(row.line)" }
            used[run.name, default: 0] += 1
            if used[run.name, default: 0] > 1 { run.name += "-\(row.line)" }
            run.overrides = settings
            if !problems.isEmpty { run.problem = "\(path):\(row.line): " + problems.joined(separator: "; ") }
            return run
        }
    }

    /// The regular files a shell pattern matches, sorted; `glob(3)` with no command substitution.
    static func glob(_ pattern: String) -> [String] {
        systemGlob(pattern).filter { path in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && !isFolder.boolValue
        }.sorted()
    }

    static func runOne(
        _ run: Run,
        out: String,
        force: Bool,
        toolVersion: String,
        overrides: [String: String],
        uploads: [String: String],
        preparation: RecipePreparation
    ) async -> BatchReport.Entry {
        let started = Date()
        let file = run.file, name = run.name
        let directory = "\(out)/\(name)"
        let stampPath = "\(directory)/.mixdown-batch.json"
        func entry(_ status: BatchReport.Entry.Status, _ outputs: [String] = [], error: String? = nil) -> BatchReport.Entry {
            BatchReport.Entry(file: file, name: name, status: status, seconds: Date().timeIntervalSince(started), outputs: outputs, error: error)
        }
        if let problem = run.problem { return entry(.failed, error: problem) }
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

/// The paths `glob(3)` expands `pattern` to (no flags: no command substitution, no brace expansion).
private func systemGlob(_ pattern: String) -> [String] {
    var result = glob_t()
    defer { globfree(&result) }
    guard glob(pattern, 0, nil, &result) == 0 else { return [] }
    return (0..<Int(result.gl_pathc)).compactMap { index in result.gl_pathv[index].map { String(cString: $0) } }
}

/// Rows of RFC 4180 CSV: fields separated by commas, optionally in double quotes (a quote inside doubled,
/// commas and line breaks allowed); each row with the line it starts on. At most 100,000 rows and 1,000
/// fields a row, so a manifest cannot exhaust the process.
struct CSVRows {
    struct Problem: Error {
        var line: Int
        var message: String
    }

    private var rows: [(line: Int, fields: [String])] = []
    private var fields: [String] = []
    private var field = ""
    private var afterQuote = false
    private var line = 1
    private var rowLine = 1

    static func parse(_ text: String) throws -> [(line: Int, fields: [String])] {
        var parser = CSVRows()
        var quoted = false
        for character in text {
            if quoted {
                if character == "\"" {
                    quoted = false
                    parser.afterQuote = true
                } else {
                    if character == "\n" || character == "\r\n" { parser.line += 1 }
                    parser.field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where parser.afterQuote:
                // A doubled quote inside a quoted field.
                parser.field.append("\"")
                quoted = true
                parser.afterQuote = false
            case "\"" where parser.field.isEmpty:
                quoted = true
            case ",":
                try parser.endField()
            case "\n", "\r\n", "\r":
                parser.line += 1
                try parser.endRow()
            default:
                guard !parser.afterQuote else { throw Problem(line: parser.line, message: "text after a closing quote") }
                parser.field.append(character)
            }
        }
        if quoted { throw Problem(line: parser.rowLine, message: "a quoted field is not closed") }
        if !parser.field.isEmpty || !parser.fields.isEmpty { try parser.endRow() }
        return parser.rows
    }

    private mutating func endField() throws {
        fields.append(field)
        field = ""
        afterQuote = false
        guard fields.count <= 1000 else { throw Problem(line: rowLine, message: "more than 1,000 fields") }
    }

    private mutating func endRow() throws {
        try endField()
        if !(fields.count == 1 && fields[0].isEmpty) { rows.append((rowLine, fields)) }
        fields = []
        guard rows.count <= 100_000 else { throw Problem(line: rowLine, message: "more than 100,000 rows") }
        rowLine = line
    }
}
