internal import Foundation
import MixdownExecution
import MixdownRecipe
import MixdownStorage

/// One run of a batch: a recipe with its own name in the batch, params over the batch's, and its inputs.
public struct BatchRun: Sendable, Hashable {
    /// The run's name in the batch (a report's line, a folder under `--out`).
    public var item: String
    public var recipe: String
    public var recipeName: String
    /// Where relative `file:` inputs live; nil for a recipe that came over the network.
    public var recipeDirectory: String?
    public var overrides: [String: String]
    /// Local files for `upload` inputs, by input name.
    public var files: [String: String]
    /// Stored assets for `upload` inputs, by input name.
    public var assets: [String: String]

    public init(
        item: String,
        recipe: String,
        recipeName: String,
        recipeDirectory: String? = nil,
        overrides: [String: String] = [:],
        files: [String: String] = [:],
        assets: [String: String] = [:]
    ) {
        self.item = item
        self.recipe = recipe
        self.recipeName = recipeName
        self.recipeDirectory = recipeDirectory
        self.overrides = overrides
        self.files = files
        self.assets = assets
    }
}

/// What a batch submission made: the batch (nil when no run could be queued) and the runs refused before
/// any job existed, each with why.
public struct BatchSubmission: Sendable {
    public struct Rejection: Sendable, Hashable, Codable {
        /// The run's place in the submitted list (from 0), when it came from one.
        public var index: Int?
        public var item: String
        /// The error code (`missing-input`, `unknown-asset`, ...).
        public var code: String
        public var error: String

        public init(index: Int? = nil, item: String, code: String = "invalid-recipe", error: String) {
            self.index = index
            self.item = item
            self.code = code
            self.error = error
        }
    }

    public init(batch: Batch?, rejected: [Rejection]) {
        self.batch = batch
        self.rejected = rejected
    }

    public var batch: Batch?
    public var rejected: [Rejection]
}

extension JobSubmitter {
    /// Queues every run as a job of one new batch, in one transaction. Each run's recipe is checked first
    /// (a run whose recipe or inputs are wrong is refused alone, with why); the local files are stored
    /// once per distinct content, found again by their SHA-256 when an earlier upload had the same bytes,
    /// and the new uploads' records commit with the batch.
    public func submitBatch(name: String, runs: [BatchRun]) async throws -> BatchSubmission {
        guard runs.count <= Batch.maximumJobs else { throw JobStoreError.badBatchSize(runs.count) }
        // Every job keeps its recipe: the batch's recipe text, summed over its jobs, is what it writes.
        let recipeBytes = runs.reduce(0) { $0 + $1.recipe.utf8.count + $1.recipeName.utf8.count }
        guard recipeBytes <= Batch.maximumRecipeBytes else { throw JobStoreError.batchTooLarge(recipeBytes) }
        var rejected: [BatchSubmission.Rejection] = []
        func reject(_ index: Int, _ error: any Error) {
            let item = runs[index].item
            switch error {
            case let error as RecipeError:
                let code = error.diagnostics.first?.code.rawValue ?? ErrorCode.invalidRecipe.rawValue
                rejected.append(.init(index: index, item: item, code: code, error: error.description))
            case let error as MixdownError:
                rejected.append(.init(index: index, item: item, code: error.code.rawValue, error: error.description))
            default:
                rejected.append(.init(index: index, item: item, code: ErrorCode.internal.rawValue, error: "\(error)"))
            }
        }

        // 1. Each run's recipe, its assets, and the local files it needs.
        var checked: [(index: Int, type: JobType, uploads: [String: String], files: [String: String])] = []
        // Runs of one recipe usually differ only in their files: a recipe is parsed once per distinct
        // text, params and set of inputs, not once per run.
        var parsed: [String: Result<Recipe, RecipeError>] = [:]
        for (index, run) in runs.enumerated() {
            do {
                let provided = Set(run.files.keys).union(run.assets.keys)
                let key =
                    ([run.recipe, run.recipeName, run.recipeDirectory ?? "\u{1}"]
                    + run.overrides.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    + ["\u{2}"] + provided.sorted()).joined(separator: "\u{0}")
                let result: Result<Recipe, RecipeError>
                if let cached = parsed[key] {
                    result = cached
                } else {
                    var fileExists: (@Sendable (String) -> Bool)?
                    if let directory = run.recipeDirectory {
                        fileExists = { path in FileManager.default.fileExists(atPath: path.hasPrefix("/") ? path : "\(directory)/\(path)") }
                    }
                    var options = RecipeParser.Options(parameterOverrides: run.overrides, providedUploads: provided, fileExists: fileExists)
                    // A run without a recipe folder came over HTTP: its uploads are assets in `inputs`.
                    if run.recipeDirectory == nil { options.uploadChannel = .request }
                    result = Result { () throws(RecipeError) -> Recipe in try RecipeParser(options: options).parse(run.recipe, file: run.recipeName) }
                    parsed[key] = result
                }
                let recipe = try result.get()
                var uploads: [String: String] = [:]
                for (input, id) in run.assets.sorted(by: { $0.key < $1.key }) where recipe.input(named: input)?.source == .upload {
                    guard Identifier.isValid(id, prefix: "ast_"), try await services.store.asset(id: id) != nil else {
                        throw MixdownError(code: .unknownAsset, message: "input '\(input)': no asset \(id)")
                    }
                    uploads[input] = id
                }
                var files: [String: String] = [:]
                for input in recipe.inputs {
                    switch input.source {
                    case .upload:
                        if let file = run.files[input.name] { files[input.name] = file }
                    case .file(let path):
                        guard let directory = run.recipeDirectory else {
                            throw MixdownError(
                                code: .fileInputNotAllowed,
                                message: "input '\(input.name)': a submitted recipe cannot read server files; upload it instead",
                                location: input.location
                            )
                        }
                        files[input.name] = path.hasPrefix("/") ? path : "\(directory)/\(path)"
                    default: continue
                    }
                }
                checked.append((index, JobType(kind: recipe.kind, preview: false), uploads, files))
            } catch  where error is RecipeError || error is MixdownError {
                reject(index, error)
            }
        }

        // 2. Every distinct file stored once (or found stored), two at a time: hashing and copying are
        // most of a submission's time.
        let paths = Array(Set(checked.flatMap { $0.files.values })).sorted()
        let stored = try await ContentAddressedUploads(submitter: self).store(paths)

        // 3. The runs whose files are all in, as jobs of one batch, committed with the new uploads' records.
        var jobs: [NewJob] = []
        for entry in checked {
            var uploads = entry.uploads
            var problem: (any Error)?
            for (input, path) in entry.files.sorted(by: { $0.key < $1.key }) {
                switch stored.ids[path] {
                case .success(let id): uploads[input] = id
                case .failure(let error): problem = problem ?? error
                case nil: problem = problem ?? MixdownError(code: .missingFile, message: "cannot read \(path)")
                }
            }
            if let problem {
                reject(entry.index, problem)
                continue
            }
            let run = runs[entry.index]
            jobs.append(
                NewJob(
                    type: entry.type,
                    recipe: run.recipe,
                    recipeName: run.recipeName,
                    parameters: JobParameters(overrides: run.overrides, uploads: uploads, recipeDirectory: run.recipeDirectory),
                    maxAttempts: services.configuration.maxAttempts,
                    timeoutSeconds: services.configuration.timeout(for: entry.type),
                    batchItem: run.item
                )
            )
        }
        rejected.sort { ($0.index ?? 0) < ($1.index ?? 0) }
        let used = Set(jobs.flatMap { $0.parameters.uploads.values })
        let records = stored.new.filter { used.contains($0.id) }
        // Objects no job will use (every run using them was refused) have no record to find them by.
        for asset in stored.new where !used.contains(asset.id) { try? await services.storage.delete(asset.key) }
        guard !jobs.isEmpty else { return BatchSubmission(batch: nil, rejected: rejected) }
        let batch: Batch
        do {
            batch = try await services.store.submitBatch(recipeName: name, jobs: jobs, uploads: records)
        } catch {
            for asset in records { try? await services.storage.delete(asset.key) }
            throw error
        }
        services.wake.ring()
        return BatchSubmission(batch: batch, rejected: rejected)
    }
}

extension BatchRun {
    /// Names for runs that are each one plain path segment (ASCII letters, digits, `.`, `-`, `_`) and
    /// distinct after cleaning, so two runs never share a folder under `--out`: a missing or empty name
    /// is `runN`, a name already taken gets `-N` (N its place, from 1), then `-N-2`, ... until free.
    public static func itemNames(_ names: [String?]) -> [String] {
        var used: Set<String> = []
        return names.enumerated().map { index, name in
            let trimmed = name?.trimmingCharacters(in: .whitespaces) ?? ""
            var item = trimmed.isEmpty ? "run\(index + 1)" : JobSubmitter.safeFileName(trimmed)
            if used.contains(item) {
                let base = "\(item)-\(index + 1)"
                item = base
                var extra = 2
                while used.contains(item) {
                    item = "\(base)-\(extra)"
                    extra += 1
                }
            }
            used.insert(item)
            return item
        }
    }
}

/// Local files stored as upload assets once per distinct content: bytes an earlier upload (of this
/// submission or any before) already has reuse that asset; the others are stored, and their records
/// returned for the caller to commit (``JobStore/submitBatch(recipeName:jobs:uploads:)``).
struct ContentAddressedUploads {
    let submitter: JobSubmitter

    /// Each path's asset id, or why it could not be stored; and the records of the assets made.
    struct Stored {
        var ids: [String: Result<String, MixdownError>] = [:]
        var new: [Asset] = []
    }

    /// How many files are hashed or copied at once.
    static let width = 2

    func store(_ paths: [String]) async throws -> Stored {
        var result = Stored()
        guard !paths.isEmpty else { return result }
        // Hash every file (two at a time), then one lookup per distinct content.
        let digests = try await Self.concurrently(paths) { path in try await Self.digest(path) }
        var byContent: [String: String] = [:]
        var toStore: [(path: String, sha256: String, bytes: Int)] = []
        for (path, digest) in zip(paths, digests) {
            switch digest {
            case .failure(let error):
                result.ids[path] = .failure(error)
            case .success(let (sha256, bytes)):
                let content = "\(sha256) \(bytes)"
                if byContent[content] == nil {
                    if let existing = try await submitter.services.store.upload(sha256: sha256, bytes: bytes),
                        try await submitter.services.storage.exists(existing.key)
                    {
                        byContent[content] = existing.id
                    } else {
                        byContent[content] = ""
                        toStore.append((path, sha256, bytes))
                    }
                }
            }
        }
        // Ids from one read of the store clock: ordered, so they sort by submission like any other.
        let now = UInt64(clamping: try await submitter.services.store.now())
        let named = try toStore.map { file in
            (
                file,
                try JobSubmitter.NewUpload(
                    id: Identifier.makeOrdered(prefix: "ast_", milliseconds: now),
                    name: URL(fileURLWithPath: file.path).lastPathComponent
                )
            )
        }
        let storage = submitter.services.storage
        let puts = try await Self.concurrently(named) { file, upload -> Asset in
            let object = try await storage.put(file: file.path, key: upload.key, contentType: "application/octet-stream")
            // The hash was taken before the copy: a file written to meanwhile is refused, not recorded
            // under a hash its stored bytes do not have.
            guard object.bytes == file.bytes else {
                try? await storage.delete(upload.key)
                throw MixdownError(code: .missingFile, message: "\(file.path) changed while it was being stored; submit it again")
            }
            return upload.asset(stored: object, durationSeconds: nil, sha256: file.sha256)
        }
        for ((file, _), put) in zip(named, puts) {
            switch put {
            case .success(let asset):
                result.new.append(asset)
                byContent["\(file.sha256) \(file.bytes)"] = asset.id
            case .failure(let error):
                byContent["\(file.sha256) \(file.bytes)"] = nil
                result.ids[file.path] = .failure(error)
            }
        }
        for (path, digest) in zip(paths, digests) {
            guard case .success(let (sha256, bytes)) = digest, result.ids[path] == nil else { continue }
            if let id = byContent["\(sha256) \(bytes)"], !id.isEmpty {
                result.ids[path] = .success(id)
            } else {
                result.ids[path] = .failure(MixdownError(code: .missingFile, message: "cannot store \(path)"))
            }
        }
        return result
    }

    /// The file's SHA-256 and size; unreadable is a `missing-file` error.
    static func digest(_ path: String) async throws -> (String, Int) {
        do {
            return try await BlockingIO.run { () throws -> (String, Int) in
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                return (try PlanExecutor.sha256(ofFile: path), (attributes[.size] as? NSNumber)?.intValue ?? -1)
            }
        } catch {
            throw MixdownError(code: .missingFile, message: "cannot read \(path)")
        }
    }

    /// `body` over `items`, ``width`` at a time, results in order; a `MixdownError` is that item's result,
    /// any other error (storage down, cancellation) ends the whole call.
    static func concurrently<Item: Sendable, Value: Sendable>(
        _ items: [Item],
        _ body: @escaping @Sendable (Item) async throws -> Value
    ) async throws -> [Result<Value, MixdownError>] {
        try await withThrowingTaskGroup(of: (Int, Result<Value, MixdownError>).self) { group in
            var results = [Result<Value, MixdownError>?](repeating: nil, count: items.count)
            var next = 0
            func launch() {
                let index = next, item = items[index]
                next += 1
                group.addTask {
                    do {
                        return (index, .success(try await body(item)))
                    } catch let error as MixdownError {
                        return (index, .failure(error))
                    }
                }
            }
            while next < min(width, items.count) { launch() }
            for try await (index, result) in group {
                results[index] = result
                if next < items.count { launch() }
            }
            return results.map { $0 ?? .failure(MixdownError(code: .internal, message: "not run")) }
        }
    }
}
