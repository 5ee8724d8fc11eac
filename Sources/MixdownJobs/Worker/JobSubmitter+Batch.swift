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
    /// once per distinct content, found again by their SHA-256 when an earlier upload had the same bytes.
    public func submitBatch(name: String, runs: [BatchRun]) async throws -> BatchSubmission {
        guard runs.count <= Batch.maximumJobs else { throw JobStoreError.badBatchSize(runs.count) }
        // Every job keeps its recipe: the batch's recipe text, summed over its jobs, is what it writes.
        let recipeBytes = runs.reduce(0) { $0 + $1.recipe.utf8.count + $1.recipeName.utf8.count }
        guard recipeBytes <= Batch.maximumRecipeBytes else { throw JobStoreError.batchTooLarge(recipeBytes) }
        var rejected: [BatchSubmission.Rejection] = []
        var accepted: [(run: BatchRun, type: JobType, uploads: [String: String])] = []
        var stored = ContentAddressedUploads(submitter: self)
        for (index, run) in runs.enumerated() {
            do {
                var fileExists: (@Sendable (String) -> Bool)?
                if let directory = run.recipeDirectory {
                    fileExists = { path in FileManager.default.fileExists(atPath: path.hasPrefix("/") ? path : "\(directory)/\(path)") }
                }
                let options = RecipeParser.Options(
                    parameterOverrides: run.overrides,
                    providedUploads: Set(run.files.keys).union(run.assets.keys),
                    fileExists: fileExists
                )
                let recipe = try RecipeParser(options: options).parse(run.recipe, file: run.recipeName)
                var uploads: [String: String] = [:]
                for (input, id) in run.assets.sorted(by: { $0.key < $1.key }) where recipe.input(named: input)?.source == .upload {
                    guard Identifier.isValid(id, prefix: "ast_"), try await services.store.asset(id: id) != nil else {
                        throw MixdownError(code: .unknownAsset, message: "input '\(input)': no asset \(id)")
                    }
                    uploads[input] = id
                }
                for input in recipe.inputs {
                    let local: String
                    switch input.source {
                    case .upload:
                        guard let file = run.files[input.name] else { continue }
                        local = file
                    case .file(let path):
                        guard let directory = run.recipeDirectory else {
                            throw MixdownError(
                                code: .fileInputNotAllowed,
                                message: "input '\(input.name)': a submitted recipe cannot read server files; upload it instead",
                                location: input.location
                            )
                        }
                        local = path.hasPrefix("/") ? path : "\(directory)/\(path)"
                    default: continue
                    }
                    uploads[input.name] = try await stored.id(for: local)
                }
                accepted.append((run, JobType(kind: recipe.kind, preview: false), uploads))
            } catch let error as RecipeError {
                let code = error.diagnostics.first?.code.rawValue ?? ErrorCode.invalidRecipe.rawValue
                rejected.append(.init(index: index, item: run.item, code: code, error: error.description))
            } catch let error as MixdownError {
                rejected.append(.init(index: index, item: run.item, code: error.code.rawValue, error: error.description))
            }
        }
        guard !accepted.isEmpty else { return BatchSubmission(batch: nil, rejected: rejected) }
        let jobs = accepted.map { entry in
            NewJob(
                type: entry.type,
                recipe: entry.run.recipe,
                recipeName: entry.run.recipeName,
                parameters: JobParameters(overrides: entry.run.overrides, uploads: entry.uploads, recipeDirectory: entry.run.recipeDirectory),
                maxAttempts: services.configuration.maxAttempts,
                timeoutSeconds: services.configuration.timeout(for: entry.type),
                batchItem: entry.run.item
            )
        }
        let batch = try await services.store.submitBatch(recipeName: name, jobs: jobs)
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

/// Local files stored as upload assets once per distinct content: a path seen before, or bytes an earlier
/// upload (of this submission or any before) already has, reuse that asset.
struct ContentAddressedUploads {
    let submitter: JobSubmitter
    private var byPath: [String: String] = [:]
    private var byContent: [String: String] = [:]

    init(submitter: JobSubmitter) {
        self.submitter = submitter
    }

    mutating func id(for path: String) async throws -> String {
        if let id = byPath[path] { return id }
        let sha256: String, bytes: Int
        do {
            (sha256, bytes) = try await BlockingIO.run { () throws -> (String, Int) in
                let attributes = try FileManager.default.attributesOfItem(atPath: path)
                return (try PlanExecutor.sha256(ofFile: path), (attributes[.size] as? NSNumber)?.intValue ?? -1)
            }
        } catch {
            throw MixdownError(code: .missingFile, message: "cannot read \(path)")
        }
        let content = "\(sha256) \(bytes)"
        if let id = byContent[content] {
            byPath[path] = id
            return id
        }
        let store = submitter.services.store
        let id: String
        if let existing = try await store.upload(sha256: sha256, bytes: bytes), try await submitter.services.storage.exists(existing.key) {
            id = existing.id
        } else {
            let upload = try await submitter.newUpload(name: URL(fileURLWithPath: path).lastPathComponent)
            let object = try await submitter.services.storage.put(file: path, key: upload.key, contentType: "application/octet-stream")
            // The hash was taken before the copy: a file written to meanwhile is refused, not recorded
            // under a hash its stored bytes do not have.
            guard object.bytes == bytes else {
                try? await submitter.services.storage.delete(upload.key)
                throw MixdownError(code: .missingFile, message: "\(path) changed while it was being stored; submit it again")
            }
            id = try await submitter.recordUpload(upload, stored: object, durationSeconds: nil, sha256: sha256).id
        }
        byPath[path] = id
        byContent[content] = id
        return id
    }
}
