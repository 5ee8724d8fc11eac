internal import Foundation
internal import Logging
import MixdownExecution
public import MixdownPlanner
import MixdownRecipe
public import MixdownStorage

/// Creates jobs: validates the recipe before any job exists, stores uploaded (and, for local recipe
/// files, `file:`) inputs as assets so any worker can read them, then submits and wakes local workers.
public struct JobSubmitter: Sendable {
    public let services: MixdownServices

    public init(services: MixdownServices) {
        self.services = services
    }

    /// - Parameters:
    ///   - files: local paths for `upload` inputs, by input name.
    ///   - assets: stored assets for `upload` inputs, by input name.
    ///   - stored: `upload` inputs already in storage and not yet recorded (streamed there as they
    ///     arrived), by input name. Each becomes an asset, or the earlier upload with the same bytes (the
    ///     new object then removed); whatever this call does not record is removed when it throws.
    ///   - recipeDirectory: where relative `file:` inputs live; nil for documents that came over the network.
    public func submit(
        recipe text: String,
        recipeName: String,
        overrides: [String: String] = [:],
        files: [String: String] = [:],
        assets: [String: String] = [:],
        stored: [String: StoredUpload] = [:],
        recipeDirectory: String? = nil,
        preview: PreviewWindow? = nil,
        idempotencyKey: String? = nil,
        notifyUrl: String? = nil
    ) async throws -> Job {
        var unrecorded = Set(stored.keys)
        do {
            return try await submit(
                recipe: text,
                recipeName: recipeName,
                overrides: overrides,
                files: files,
                assets: assets,
                stored: stored,
                unrecorded: &unrecorded,
                recipeDirectory: recipeDirectory,
                preview: preview,
                idempotencyKey: idempotencyKey,
                notifyUrl: notifyUrl
            )
        } catch {
            await remove(unrecorded, of: stored)
            throw error
        }
    }

    private func remove(_ names: Set<String>, of stored: [String: StoredUpload]) async {
        await Self.remove(names.compactMap { stored[$0]?.upload.key }, from: services.storage)
    }

    /// Deletes objects no record names, even when the calling task is cancelled (a client that hung up):
    /// from a task of its own, which does not inherit the cancellation. Failures are logged.
    public static func remove(_ keys: [StorageKey], from storage: any StorageAdapter) async {
        guard !keys.isEmpty else { return }
        await Task {
            for key in keys {
                do {
                    try await storage.delete(key)
                } catch {
                    Logger(label: "mixdown.submit").warning(
                        "could not remove an unrecorded upload",
                        metadata: ["key": "\(key.rawValue)", "error": "\(error)"]
                    )
                }
            }
        }.value
    }

    private func submit(
        recipe text: String,
        recipeName: String,
        overrides: [String: String],
        files: [String: String],
        assets: [String: String],
        stored: [String: StoredUpload],
        unrecorded: inout Set<String>,
        recipeDirectory: String?,
        preview: PreviewWindow?,
        idempotencyKey: String?,
        notifyUrl: String?
    ) async throws -> Job {
        var fileExists: (@Sendable (String) -> Bool)?
        if let directory = recipeDirectory {
            fileExists = { path in FileManager.default.fileExists(atPath: path.hasPrefix("/") ? path : "\(directory)/\(path)") }
        }
        let options = RecipeParser.Options(
            parameterOverrides: overrides,
            providedUploads: Set(files.keys).union(assets.keys).union(stored.keys),
            fileExists: fileExists
        )
        let recipe = try RecipeParser(options: options).parse(text, file: recipeName)
        // A resent request returns its job before its files are stored again: the uploads would get new
        // asset ids, and the store's comparison of parameters would call the same request a different one.
        if let idempotencyKey, let existing = try await services.store.job(idempotencyKey: idempotencyKey) {
            guard
                try await isResend(
                    of: existing,
                    recipe: text,
                    overrides: overrides,
                    files: files,
                    assets: assets,
                    // Parts for inputs that are not uploads were never recorded, by either request.
                    stored: stored.filter { recipe.input(named: $0.key)?.source == .upload },
                    preview: preview,
                    notifyUrl: notifyUrl
                )
            else { throw JobStoreError.idempotencyConflict(idempotencyKey) }
            // The resent files' new copies are not needed.
            await remove(unrecorded, of: stored)
            unrecorded = []
            return existing
        }
        var uploads: [String: String] = [:]
        for (name, id) in assets where recipe.input(named: name)?.source == .upload { uploads[name] = id }
        for (name, file) in stored.sorted(by: { $0.key < $1.key }) {
            guard recipe.input(named: name)?.source == .upload else { continue }
            if let earlier = try await services.store.upload(sha256: file.sha256, bytes: file.stored.bytes),
                try await services.storage.exists(earlier.key)
            {
                // The same bytes were uploaded before (and are still there): one object for both.
                uploads[name] = earlier.id
                await Self.remove([file.upload.key], from: services.storage)
            } else {
                uploads[name] = try await recordUpload(file.upload, stored: file.stored, durationSeconds: file.durationSeconds, sha256: file.sha256)
                    .id
            }
            unrecorded.remove(name)
        }
        // Parts for inputs the recipe does not upload: nothing reads them.
        await remove(unrecorded, of: stored)
        unrecorded = []
        for input in recipe.inputs {
            var local: String?
            switch input.source {
            case .upload: local = files[input.name]
            case .file(let path):
                guard let recipeDirectory else {
                    throw RecipeError([
                        MixdownError(
                            code: .fileInputNotAllowed,
                            message: "input '\(input.name)': a submitted recipe cannot read server files; upload it instead",
                            location: input.location
                        )
                    ])
                }
                local = path.hasPrefix("/") ? path : "\(recipeDirectory)/\(path)"
            default: continue
            }
            guard let local else { continue }
            uploads[input.name] = try await storeUpload(local, name: URL(fileURLWithPath: local).lastPathComponent).id
        }
        let type = JobType(kind: recipe.kind, preview: preview != nil)
        let job = try await services.store.submit(
            NewJob(
                type: type,
                recipe: text,
                recipeName: recipeName,
                parameters: JobParameters(
                    overrides: overrides,
                    uploads: uploads,
                    preview: preview,
                    notifyUrl: notifyUrl,
                    recipeDirectory: recipeDirectory
                ),
                idempotencyKey: idempotencyKey,
                maxAttempts: services.configuration.maxAttempts,
                timeoutSeconds: services.configuration.timeout(for: type)
            )
        )
        services.wake.ring()
        return job
    }

    /// Whether a request is the one that made `existing`: the same document, params, window and
    /// `notifyUrl`, the same stored assets, and files with the same bytes as the assets made from them.
    func isResend(
        of existing: Job,
        recipe: String,
        overrides: [String: String],
        files: [String: String],
        assets: [String: String],
        stored: [String: StoredUpload] = [:],
        preview: PreviewWindow?,
        notifyUrl: String?
    ) async throws -> Bool {
        let parameters = existing.parameters
        guard existing.recipe == recipe, parameters.overrides == overrides, parameters.preview == preview,
            parameters.notifyUrl == notifyUrl
        else { return false }
        for (name, id) in assets where parameters.uploads[name] != id { return false }
        for (name, path) in files {
            guard let id = parameters.uploads[name], let asset = try await services.store.asset(id: id),
                asset.sha256 == (try await BlockingIO.run { try PlanExecutor.sha256(ofFile: path) })
            else { return false }
        }
        for (name, file) in stored {
            guard let id = parameters.uploads[name], let asset = try await services.store.asset(id: id), asset.sha256 == file.sha256 else {
                return false
            }
        }
        return true
    }

    /// Stores a local file as an upload asset.
    public func storeUpload(_ path: String, name: String, contentType: String = "application/octet-stream") async throws -> Asset {
        let upload = try await newUpload(name: name)
        let stored = try await services.storage.put(file: path, key: upload.key, contentType: contentType)
        let facts = try? await services.prober.facts(for: path)
        let sha256 = try await BlockingIO.run { try PlanExecutor.sha256(ofFile: path) }
        return try await recordUpload(upload, stored: stored, durationSeconds: facts?.duration, sha256: sha256)
    }

    /// An upload already in storage, not yet recorded as an asset: its name and key, what storage said of
    /// it, the SHA-256 of its bytes, and its duration once checked.
    public struct StoredUpload: Sendable {
        public var upload: NewUpload
        public var stored: StoredObject
        public var sha256: String
        public var durationSeconds: Double?

        public init(upload: NewUpload, stored: StoredObject, sha256: String, durationSeconds: Double? = nil) {
            self.upload = upload
            self.stored = stored
            self.sha256 = sha256
            self.durationSeconds = durationSeconds
        }
    }

    /// An upload's id, file name and storage key, before its bytes are stored.
    public struct NewUpload: Sendable {
        public var id: String
        public var name: String
        public var key: StorageKey

        /// The upload `id` of a file called `name`: the name made one plain key segment, under `uploads/ID/`.
        public init(id: String, name: String) throws {
            self.id = id
            self.name = JobSubmitter.safeFileName(name)
            key = try StorageKey("uploads/\(id)/\(self.name)")
        }

        /// The asset record of this upload once its bytes are stored.
        public func asset(stored: StoredObject, durationSeconds: Double?, sha256: String) -> Asset {
            Asset(
                id: id,
                key: key,
                name: name,
                contentType: stored.contentType,
                bytes: stored.bytes,
                durationSeconds: durationSeconds,
                sha256: sha256,
                jobId: nil
            )
        }
    }

    /// Names an upload: an asset id from the store's clock and a key under `uploads/ID/`.
    public func newUpload(name: String) async throws -> NewUpload {
        let now = try await services.store.now()
        return try NewUpload(id: Identifier.make(prefix: "ast_", milliseconds: UInt64(now)), name: name)
    }

    /// Records a stored upload as an asset; when that fails the object is removed, since without its row
    /// nothing would ever find or remove it.
    public func recordUpload(_ upload: NewUpload, stored: StoredObject, durationSeconds: Double?, sha256: String) async throws -> Asset {
        let asset = upload.asset(stored: stored, durationSeconds: durationSeconds, sha256: sha256)
        do {
            try await services.store.addAsset(asset)
        } catch {
            try? await services.storage.delete(upload.key)
            throw error
        }
        // The store stamps the creation time; return its record. Recorded now: a failed re-read must not
        // make a caller remove the object behind a row that exists.
        return (try? await services.store.asset(id: upload.id)) ?? asset
    }

    /// A file name that is one plain storage-key segment.
    public static func safeFileName(_ name: String) -> String {
        let cleaned = String(
            name.unicodeScalars.map { scalar in
                scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-_".unicodeScalars.contains(scalar))
                    ? Character(scalar) : "_"
            }
        )
        // No dot runs either: harmless inside one segment, but a name like "..__etc" only confuses readers.
        var collapsed = cleaned
        while collapsed.contains("..") { collapsed = collapsed.replacingOccurrences(of: "..", with: "_") }
        let trimmed = collapsed.trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return trimmed.isEmpty ? "upload" : String(trimmed.prefix(120))
    }
}
