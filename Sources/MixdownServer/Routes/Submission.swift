internal import Foundation
internal import Hummingbird
import MixdownJobs
import MixdownPlanner
internal import MixdownRecipe
import MixdownStorage
internal import MultipartKit
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
    /// files are not kept).
    var files: [String: UploadedFile] = [:]
    /// Upload inputs that came as multipart parts, streamed into storage as they arrived (submitting a
    /// job: they become its assets). Removed by ``removeStoredFiles(_:)`` unless recorded.
    var storedFiles: [String: JobSubmitter.StoredUpload] = [:]

    /// A file part: where it was buffered, and what the client called it.
    struct UploadedFile: Sendable {
        var path: String
        var fileName: String
        /// The part's `Content-Type`, reduced to what may be served back (``MixdownAPI/storableContentType(_:)``).
        var contentType: String
    }
    var preview: PreviewWindow?
    var notifyUrl: String?

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

    /// With `storingFiles`, a multipart body's file parts stream into storage (a job's uploads); without,
    /// into a temporary folder (a recipe checked, not kept).
    static func read(_ request: Request, context: BasicRequestContext, api: MixdownAPI, storingFiles: Bool = false) async throws -> Submission {
        let original = request.headers[.contentType] ?? ""
        let contentType = original.lowercased()
        if contentType.hasPrefix("multipart/form-data") {
            // Boundaries are case-sensitive: hand over the header as sent.
            let submission =
                storingFiles
                ? try await readStreamingMultipart(request, contentType: original, api: api)
                : try await readMultipart(request, contentType: original, api: api)
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

    /// Streams parts to temporary files so uploads are never held in memory; caps the whole body.
    static func readMultipart(_ request: Request, contentType: String, api: MixdownAPI) async throws -> Submission {
        let boundary = try boundary(of: contentType)
        let directory = try WorkFolders.makeUploadFolder()
        let collector = MultipartCollector(directory: directory, maximumFileBytes: api.configuration.maxUploadBytes)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.record(.header(name, value)) }
        parser.onBody = { buffer in collector.record(.body(buffer)) }
        parser.onPartComplete = { collector.record(.complete) }
        var total = 0
        // Each file is capped as it arrives (the collector); this bounds what the parts around them add.
        let (product, overflow) = (api.configuration.maxUploadBytes + maxDocumentBytes).multipliedReportingOverflow(
            by: MultipartCollector.maximumFiles
        )
        let bodyLimit = overflow ? Int.max : product
        // MultipartKit keeps a part's headers in memory until they end and reports nothing meanwhile:
        // bytes that bring no event at all are headers (or preamble), and those are capped.
        var quietBytes = 0
        do {
            for try await buffer in request.body {
                total += buffer.readableBytes
                guard total <= bodyLimit else {
                    throw ProblemDocument(.contentTooLarge, code: .tooLarge, detail: "the request body is too large")
                }
                try parser.execute(buffer)
                if collector.hasPendingEvents {
                    quietBytes = 0
                } else {
                    quietBytes += buffer.readableBytes
                    guard quietBytes <= MultipartCollector.maximumHeaderBytes else {
                        throw ProblemDocument(.badRequest, code: .badMultipart, detail: "a part's headers are larger than 64 KiB")
                    }
                }
                try await collector.drain()
            }
            // A body cut off inside a part (no closing delimiter) is not a request to act on.
            guard !collector.isInsidePart, collector.completedParts > 0 else {
                throw ProblemDocument(.badRequest, code: .badMultipart, detail: "the multipart body ends before its closing boundary")
            }
            try await collector.finish()
            var submission = Submission(recipe: nil, name: "request.yaml", files: collector.files)
            submission.temporaryDirectory = directory
            try submission.take(collector.fields)
            return submission
        } catch {
            // Whatever went wrong, nothing of the body stays on disk and no file stays open.
            try? await collector.finish()
            try? FileManager.default.removeItem(atPath: directory)
            if error is ProblemDocument { throw error }
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

/// Receives MultipartKit's callbacks: the named text fields into memory, file parts into files through
/// NIO's non-blocking file system, each file capped at the upload byte limit while it arrives.
///
/// MultipartKit calls back synchronously while it parses a buffer, so the callbacks only record what
/// they saw; ``drain()`` then acts on it, awaiting each write, before the next buffer is read.
final class MultipartCollector: @unchecked Sendable {
    /// Parts that are always text, whatever their disposition (`curl -F recipe=@episode.yaml` sends a filename).
    static let textFields: Set<String> = ["recipe", "params", "preview", "notifyUrl"]
    static let maximumFiles = 16
    static let maximumFields = 32
    static let maximumHeaderBytes = 64 * 1024

    enum Event {
        case header(String, String)
        case body(ByteBuffer)
        case complete
    }

    let directory: String
    let maximumFileBytes: Int
    var fields: [String: String] = [:]
    /// Upload parts by input name: the temporary file, the client's file name and content type.
    var files: [String: Submission.UploadedFile] = [:]
    private var events: [Event] = []
    private var name: String?
    private var fileName: String?
    private var contentType: String?
    private var text: [UInt8] = []
    private var handle: WriteFileHandle?
    private var fileBytes = 0
    private var pending = ByteBuffer()

    init(directory: String, maximumFileBytes: Int) {
        self.directory = directory
        self.maximumFileBytes = maximumFileBytes
    }

    func record(_ event: Event) { events.append(event) }

    var hasPendingEvents: Bool { !events.isEmpty }
    /// A part has begun (a header or body arrived) and not yet ended.
    private(set) var isInsidePart = false
    private(set) var completedParts = 0

    /// Acts on what the parser reported since the last call.
    func drain() async throws {
        let pending = events
        events = []
        for event in pending {
            switch event {
            case .header(let field, let value):
                isInsidePart = true
                try header(field, value)
            case .body(let buffer):
                isInsidePart = true
                try await body(buffer)
            case .complete:
                isInsidePart = false
                completedParts += 1
                try await complete()
            }
        }
    }

    private func header(_ field: String, _ value: String) throws {
        switch field.lowercased() {
        case "content-disposition":
            (name, fileName) = try Self.formDataPart(value)
        case "content-type":
            contentType = value
        default:
            break
        }
    }

    /// A part's name, and its file name unless it is a file part: a `recipe`, `params`, `preview` or
    /// `notifyUrl` part is always text, whatever file name it carries.
    static func formDataPart(_ disposition: String) throws(ProblemDocument) -> (name: String, fileName: String?) {
        guard let parsed = ContentDisposition(disposition), parsed.type == "form-data", let name = parsed.name else {
            throw problem(.badRequest, "each part needs 'Content-Disposition: form-data; name=...'")
        }
        return (name, textFields.contains(name) ? nil : parsed.filename)
    }

    static func problem(_ status: HTTPResponse.Status, _ detail: String, code: ErrorCode = .badMultipart) -> ProblemDocument {
        ProblemDocument(status, code: code, detail: detail)
    }

    private func body(_ buffer: ByteBuffer) async throws {
        guard let name else { throw Self.problem(.badRequest, "a part has no Content-Disposition name") }
        guard let fileName else {
            text += buffer.readableBytesView
            if text.count > Submission.maxDocumentBytes {
                throw Self.problem(
                    .contentTooLarge,
                    "part '\(Excerpt.excerpt(name))' is larger than \(Submission.maxDocumentBytes) bytes",
                    code: .tooLarge
                )
            }
            return
        }
        if handle == nil {
            guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }), !name.isEmpty, name.count <= 64 else {
                throw Self.problem(.badRequest, "file parts are named after upload inputs (letters, digits, '-', '_')")
            }
            guard files[name] == nil else { throw Self.problem(.badRequest, "two file parts for input '\(name)'") }
            guard files.count < Self.maximumFiles else {
                throw Self.problem(.contentTooLarge, "at most \(Self.maximumFiles) files per request", code: .tooLarge)
            }
            let path = "\(directory)/\(name)"
            handle = try await FileSystem.shared.openFile(forWritingAt: FilePath(path), options: .newFile(replaceExisting: true))
            fileBytes = 0
            files[name] = Submission.UploadedFile(path: path, fileName: fileName, contentType: MixdownAPI.storableContentType(contentType))
        }
        guard fileBytes + pending.readableBytes + buffer.readableBytes <= maximumFileBytes else {
            throw Self.problem(.contentTooLarge, "file '\(name)' is larger than the \(maximumFileBytes)-byte upload limit", code: .tooLarge)
        }
        // The parser hands over small slices; one write per 256 KiB keeps the thread-pool hops few.
        var slice = buffer
        pending.writeBuffer(&slice)
        if pending.readableBytes >= 256 * 1024 { try await flush() }
    }

    private func flush() async throws {
        guard let handle, pending.readableBytes > 0 else { return }
        try await handle.write(contentsOf: pending, toAbsoluteOffset: Int64(fileBytes))
        fileBytes += pending.readableBytes
        pending.clear()
    }

    private func complete() async throws {
        if let name, fileName == nil {
            guard fields[name] == nil else { throw Self.problem(.badRequest, "two '\(Excerpt.excerpt(name))' parts") }
            guard fields.count < Self.maximumFields else { throw Self.problem(.badRequest, "at most \(Self.maximumFields) text parts") }
            fields[name] = String(decoding: text, as: UTF8.self)
        }
        try await finish()
        name = nil
        fileName = nil
        contentType = nil
        text = []
    }

    /// Writes what is buffered and closes any file still open (also after an error mid-part).
    func finish() async throws {
        defer { pending.clear() }
        do {
            try await flush()
        } catch {
            let open = handle
            handle = nil
            try? await open?.close()
            throw error
        }
        let open = handle
        handle = nil
        try await open?.close()
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
