internal import Foundation
internal import Hummingbird
import MixdownJobs
import MixdownPlanner
internal import MixdownRecipe
import MixdownStorage
internal import SystemPackage
internal import _NIOFileSystem

/// A job request in any of the accepted shapes: a YAML recipe body, a JSON document, or
/// `multipart/form-data` with a `recipe` part, an optional `params` part and one part per upload input.
struct Submission {
    /// Nil only for a multipart body without a `recipe` part (an upload).
    var recipe: String!
    var name: String
    var overrides: [String: String] = [:]
    /// Upload inputs that name stored assets.
    var assetInputs: [String: String] = [:]
    /// Upload inputs that came as multipart parts, written to temporary files (checking a recipe: its
    /// files are not kept): their paths, by input name.
    var files: [String: String] = [:]
    /// Upload inputs that came as multipart parts, streamed into storage as they arrived (submitting a
    /// job: they become its assets). Removed by ``removeStoredFiles(_:)`` unless recorded.
    var storedFiles: [String: JobSubmitter.StoredUpload] = [:]

    var preview: PreviewWindow?
    var notifyUrl: String?
    /// Whether it came as a form, for which its route took an upload slot (``MixdownAPI/admitForm(_:what:)``).
    var isForm = false

    /// The JSON document form.
    struct Document: Decodable {
        var recipe: RecipeField
        var params: [String: ParamValue]?
        var inputs: [String: String]?
        var preview: PreviewWindow?
        var notifyUrl: String?
        var name: String?
    }

    /// `recipe` as YAML text, or as a JSON object (JSON is YAML, so it is parsed as written).
    enum RecipeField: Decodable {
        case text(String)
        case object(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                let value = try container.decode(JSONValue.self)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                self = .object(String(decoding: try encoder.encode(value), as: UTF8.self))
            }
        }

        var text: String {
            switch self {
            case .text(let text), .object(let text): text
            }
        }
    }

    enum ParamValue: Decodable {
        case text(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) {
                self = .text(number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number))
            } else if let flag = try? container.decode(Bool.self) {
                self = .text(flag ? "true" : "false")
            } else {
                self = .text(try container.decode(String.self))
            }
        }

        var text: String {
            switch self {
            case .text(let text): text
            }
        }
    }

    static let maxDocumentBytes = 1 << 20

    /// Whether `request` is a form (`multipart/form-data`, in any case): what the routes take an upload
    /// slot for and what ``read(_:context:api:storingFiles:)`` parses as parts, by one test.
    static func isForm(_ request: Request) -> Bool {
        request.headers[.contentType]?.lowercased().hasPrefix("multipart/form-data") == true
    }

    /// With `storingFiles`, a multipart body's file parts stream into storage (a job's uploads); without,
    /// into a temporary folder (a recipe checked, not kept).
    static func read(_ request: Request, context: BasicRequestContext, api: MixdownAPI, storingFiles: Bool = false) async throws -> Submission {
        let original = request.headers[.contentType] ?? ""
        let contentType = original.lowercased()
        if isForm(request) {
            // Boundaries are case-sensitive: hand over the header as sent.
            var submission =
                storingFiles
                ? try await readStreamingMultipart(request, contentType: original, api: api)
                : try await readMultipart(request, contentType: original, api: api)
            submission.isForm = true
            guard submission.recipe != nil else {
                submission.removeTemporaryFiles()
                await submission.removeStoredFiles(api.services.storage)
                throw ProblemDocument(.badRequest, code: .missingRecipe, detail: "the multipart body needs a 'recipe' part")
            }
            return submission
        }
        let body = try await collect(request.body, limit: maxDocumentBytes)
        let text = String(decoding: body, as: UTF8.self)
        if contentType.hasPrefix("application/json") {
            let document: Document
            do {
                document = try JSONDecoder().decode(Document.self, from: Data(body))
            } catch {
                throw ProblemDocument(.badRequest, code: .badJson, detail: "the body is not a job document: \(error)")
            }
            return Submission(
                recipe: document.recipe.text,
                name: document.name ?? "request",
                overrides: (document.params ?? [:]).mapValues(\.text),
                assetInputs: document.inputs ?? [:],
                preview: document.preview,
                notifyUrl: document.notifyUrl
            )
        }
        guard contentType.isEmpty || contentType.contains("yaml") || contentType.hasPrefix("text/") else {
            throw ProblemDocument(
                .unsupportedMediaType,
                code: .unsupportedMediaType,
                detail: "send application/yaml, application/json or multipart/form-data"
            )
        }
        // A bare YAML recipe: parameters ride in the query (`set.NAME`, `input.NAME`, `preview`, `notifyUrl`).
        var submission = Submission(recipe: text, name: "request.yaml")
        for (key, value) in request.uri.queryParameters {
            let key = String(key), value = String(value)
            if key.hasPrefix("set.") { submission.overrides[String(key.dropFirst(4))] = value }
            if key.hasPrefix("input.") { submission.assetInputs[String(key.dropFirst(6))] = value }
            if key == "notifyUrl" { submission.notifyUrl = value }
            if key == "preview" {
                guard let window = PreviewWindow(argument: value) else {
                    throw ProblemDocument(.badRequest, code: .badQuery, detail: "preview is START,DURATION")
                }
                submission.preview = window
            }
        }
        return submission
    }

    static func collect(_ body: RequestBody, limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        do {
            for try await buffer in body {
                guard bytes.count + buffer.readableBytes <= limit else {
                    throw ProblemDocument(.contentTooLarge, code: .tooLarge, detail: "the document is larger than \(limit) bytes")
                }
                bytes += buffer.readableBytesView
            }
        } catch let problem as ProblemDocument {
            throw problem
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // A malformed body (bad chunk framing, a connection cut mid-body) is the client's doing.
            throw ProblemDocument(.badRequest, code: .badBody, detail: "the request body cannot be read")
        }
        return bytes
    }

    /// The `boundary` parameter of a `multipart/form-data` content type (1 to 70 characters, RFC 2046).
    static func boundary(of contentType: String) throws -> String {
        let boundary = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.lowercased().hasPrefix("boundary=") }
            .map { String($0.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        guard let boundary, !boundary.isEmpty, boundary.count <= 70 else {
            throw ProblemDocument(.badRequest, code: .badMultipart, detail: "multipart/form-data needs a boundary")
        }
        return boundary
    }

    /// Streams file parts to temporary files (a recipe checked, not kept), so uploads are never held in
    /// memory; the caps are the reader's.
    static func readMultipart(_ request: Request, contentType: String, api: MixdownAPI) async throws -> Submission {
        let boundary = try boundary(of: contentType)
        let directory = try WorkFolders.makeUploadFolder()
        let reader = MultipartFormReader(request, boundary: boundary, maximumFileBytes: api.configuration.maxUploadBytes)
        var submission = Submission(recipe: nil, name: "request.yaml")
        submission.temporaryDirectory = directory
        do {
            while let part = try await reader.nextFile() {
                // Input names are plain (the reader checks): one file each in the folder.
                let path = "\(directory)/\(part.name)"
                try await FileSystem.shared.withFileHandle(forWritingAt: FilePath(path), options: .newFile(replaceExisting: true)) { file in
                    var written: Int64 = 0
                    var pending = ByteBuffer()
                    for try await chunk in reader.file {
                        pending.writeImmutableBuffer(chunk)
                        // One write per 256 KiB keeps the thread-pool hops few.
                        if pending.readableBytes >= 256 * 1024 {
                            try await file.write(contentsOf: pending.readableBytesView, toAbsoluteOffset: written)
                            written += Int64(pending.readableBytes)
                            pending.clear()
                        }
                    }
                    if pending.readableBytes > 0 { try await file.write(contentsOf: pending.readableBytesView, toAbsoluteOffset: written) }
                }
                submission.files[part.name] = path
            }
            try submission.take(reader.fields)
            return submission
        } catch {
            // Whatever went wrong, nothing of the body stays on disk.
            submission.removeTemporaryFiles()
            if error is ProblemDocument || error is CancellationError { throw error }
            throw ProblemDocument(.badRequest, code: .badMultipart, detail: "the multipart body is malformed")
        }
    }

    /// Streams each file part into storage under a new upload key as it arrives (a bucket gets parts as
    /// they fill): no local copy. Nothing is recorded yet; whatever goes wrong, what was stored is removed.
    static func readStreamingMultipart(_ request: Request, contentType: String, api: MixdownAPI) async throws -> Submission {
        let boundary = try boundary(of: contentType)
        let reader = MultipartFormReader(request, boundary: boundary, maximumFileBytes: api.configuration.maxUploadBytes)
        let submitter = JobSubmitter(services: api.services)
        var submission = Submission(recipe: nil, name: "request.yaml")
        do {
            while let part = try await reader.nextFile() {
                let upload = try await submitter.newUpload(name: part.fileName)
                let stored: StoredObject
                do {
                    stored = try await api.services.storage.put(
                        stream: reader.file,
                        key: upload.key,
                        contentType: part.contentType,
                        maximumBytes: api.configuration.maxUploadBytes
                    )
                } catch {
                    if let problem = part.tally.problem { throw problem }
                    throw error
                }
                submission.storedFiles[part.name] = JobSubmitter.StoredUpload(upload: upload, stored: stored, sha256: part.tally.sha256)
            }
            try submission.take(reader.fields)
            return submission
        } catch {
            await submission.removeStoredFiles(api.services.storage)
            throw error
        }
    }

    /// The text parts: the recipe, and the optional `params`, `preview` and `notifyUrl`.
    mutating func take(_ fields: [String: String]) throws {
        recipe = fields["recipe"]
        if let params = fields["params"] {
            guard let decoded = try? JSONDecoder().decode([String: ParamValue].self, from: Data(params.utf8)) else {
                throw ProblemDocument(.badRequest, code: .badJson, detail: "the 'params' part must be a JSON object")
            }
            overrides = decoded.mapValues(\.text)
        }
        if let preview = fields["preview"] {
            guard let window = PreviewWindow(argument: preview) else {
                throw ProblemDocument(.badRequest, code: .badMultipart, detail: "preview is START,DURATION")
            }
            self.preview = window
        }
        notifyUrl = fields["notifyUrl"]
    }

    /// Removes the stored file parts no job took.
    func removeStoredFiles(_ storage: any StorageAdapter) async {
        await JobSubmitter.remove(storedFiles.values.map(\.upload.key), from: storage)
    }

    var temporaryDirectory: String?

    func removeTemporaryFiles() {
        if let temporaryDirectory { try? FileManager.default.removeItem(atPath: temporaryDirectory) }
    }
}

/// Any JSON value, to carry a recipe given as a JSON object.
enum JSONValue: Codable {
    case string(String), number(Double), bool(Bool), null, array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
