internal import Foundation
internal import Hummingbird
import MixdownJobs
import MixdownPlanner
internal import MultipartKit

/// A job request in any of the accepted shapes: a YAML recipe body, a JSON document, or
/// `multipart/form-data` with a `recipe` part, an optional `params` part and one part per upload input.
struct Submission {
    /// Nil only for a multipart body without a `recipe` part (an upload).
    var recipe: String!
    var name: String
    var overrides: [String: String] = [:]
    /// Upload inputs that name stored assets.
    var assetInputs: [String: String] = [:]
    /// Upload inputs that came as multipart parts, written to temporary files.
    var files: [String: UploadedFile] = [:]

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

    static func read(_ request: Request, context: BasicRequestContext, api: MixdownAPI) async throws -> Submission {
        let original = request.headers[.contentType] ?? ""
        let contentType = original.lowercased()
        if contentType.hasPrefix("multipart/form-data") {
            // Boundaries are case-sensitive: hand over the header as sent.
            let submission = try await readMultipart(request, contentType: original, api: api)
            guard submission.recipe != nil else {
                submission.removeTemporaryFiles()
                throw ProblemDocument(.badRequest, code: "missing-recipe", detail: "the multipart body needs a 'recipe' part")
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
                throw ProblemDocument(.badRequest, code: "bad-json", detail: "the body is not a job document: \(error)")
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
                code: "unsupported-media-type",
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
                    throw ProblemDocument(.badRequest, code: "bad-query", detail: "preview is START,DURATION")
                }
                submission.preview = window
            }
        }
        return submission
    }

    static func collect(_ body: RequestBody, limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await buffer in body {
            guard bytes.count + buffer.readableBytes <= limit else {
                throw ProblemDocument(.contentTooLarge, code: "too-large", detail: "the document is larger than \(limit) bytes")
            }
            bytes += buffer.readableBytesView
        }
        return bytes
    }

    /// Streams parts to temporary files so uploads are never held in memory; caps the whole body.
    static func readMultipart(_ request: Request, contentType: String, api: MixdownAPI) async throws -> Submission {
        let boundary = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.lowercased().hasPrefix("boundary=") }
            .map { String($0.dropFirst("boundary=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        guard let boundary, !boundary.isEmpty, boundary.count <= 70 else {
            throw ProblemDocument(.badRequest, code: "bad-multipart", detail: "multipart/form-data needs a boundary")
        }
        let directory = try WorkFolders.makeUploadFolder()
        let collector = MultipartCollector(directory: directory, maximumFileBytes: api.configuration.maxUploadBytes)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.header(name, value) }
        parser.onBody = { buffer in collector.body(&buffer) }
        parser.onPartComplete = { collector.complete() }
        var total = 0
        do {
            for try await buffer in request.body {
                // Each file is capped as it arrives (the collector); this bounds what the parts around them add.
                total += buffer.readableBytes
                guard total <= (api.configuration.maxUploadBytes + maxDocumentBytes) * MultipartCollector.maximumFiles else {
                    throw ProblemDocument(.contentTooLarge, code: "too-large", detail: "the request body is too large")
                }
                try parser.execute(buffer)
                if let failure = collector.failure { throw failure }
            }
            collector.finish()
            if let failure = collector.failure { throw failure }
            var submission = Submission(recipe: collector.fields["recipe"], name: "request.yaml", files: collector.files)
            submission.temporaryDirectory = directory
            if let params = collector.fields["params"] {
                guard let decoded = try? JSONDecoder().decode([String: ParamValue].self, from: Data(params.utf8)) else {
                    throw ProblemDocument(.badRequest, code: "bad-json", detail: "the 'params' part must be a JSON object")
                }
                submission.overrides = decoded.mapValues(\.text)
            }
            if let preview = collector.fields["preview"] {
                guard let window = PreviewWindow(argument: preview) else {
                    throw ProblemDocument(.badRequest, code: "bad-multipart", detail: "preview is START,DURATION")
                }
                submission.preview = window
            }
            submission.notifyUrl = collector.fields["notifyUrl"]
            return submission
        } catch {
            // Whatever went wrong, nothing of the body stays on disk and no file stays open.
            collector.finish()
            try? FileManager.default.removeItem(atPath: directory)
            if error is ProblemDocument { throw error }
            throw ProblemDocument(.badRequest, code: "bad-multipart", detail: "the multipart body is malformed")
        }
    }

    var temporaryDirectory: String?

    func removeTemporaryFiles() {
        if let temporaryDirectory { try? FileManager.default.removeItem(atPath: temporaryDirectory) }
    }
}

/// Receives MultipartKit's callbacks: the named text fields into memory, file parts into files, each file
/// capped at the upload byte limit while it arrives.
final class MultipartCollector: @unchecked Sendable {
    /// Parts that are always text, whatever their disposition (`curl -F recipe=@episode.yaml` sends a filename).
    static let textFields: Set<String> = ["recipe", "params", "preview", "notifyUrl"]
    static let maximumFiles = 16
    static let maximumFields = 32

    let directory: String
    let maximumFileBytes: Int
    var fields: [String: String] = [:]
    /// Upload parts by input name: the temporary file, the client's file name and content type.
    var files: [String: Submission.UploadedFile] = [:]
    var failure: ProblemDocument?
    private var name: String?
    private var fileName: String?
    private var contentType: String?
    private var text: [UInt8] = []
    private var handle: FileHandle?
    private var fileBytes = 0

    init(directory: String, maximumFileBytes: Int) {
        self.directory = directory
        self.maximumFileBytes = maximumFileBytes
    }

    func header(_ field: String, _ value: String) {
        switch field.lowercased() {
        case "content-disposition":
            guard let disposition = ContentDisposition(value), disposition.type == "form-data", let partName = disposition.name else {
                fail(.badRequest, "each part needs 'Content-Disposition: form-data; name=...'")
                return
            }
            name = partName
            fileName = Self.textFields.contains(partName) ? nil : disposition.filename
        case "content-type":
            contentType = value
        default:
            break
        }
    }

    private func fail(_ status: HTTPResponse.Status, _ detail: String, code: String = "bad-multipart") {
        if failure == nil { failure = ProblemDocument(status, code: code, detail: detail) }
    }

    func body(_ buffer: inout ByteBuffer) {
        guard failure == nil else { return }
        guard let name else {
            fail(.badRequest, "a part has no Content-Disposition name")
            return
        }
        if let fileName {
            if handle == nil {
                guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }), !name.isEmpty, name.count <= 64
                else {
                    fail(.badRequest, "file parts are named after upload inputs (letters, digits, '-', '_')")
                    return
                }
                guard files[name] == nil else {
                    fail(.badRequest, "two file parts for input '\(name)'")
                    return
                }
                guard files.count < Self.maximumFiles else {
                    fail(.contentTooLarge, "at most \(Self.maximumFiles) files per request", code: "too-large")
                    return
                }
                let path = "\(directory)/\(name)"
                _ = FileManager.default.createFile(atPath: path, contents: nil)
                handle = FileHandle(forWritingAtPath: path)
                fileBytes = 0
                files[name] = Submission.UploadedFile(
                    path: path,
                    fileName: fileName,
                    contentType: MixdownAPI.storableContentType(contentType)
                )
            }
            fileBytes += buffer.readableBytes
            guard fileBytes <= maximumFileBytes else {
                fail(.contentTooLarge, "file '\(name)' is larger than the \(maximumFileBytes)-byte upload limit", code: "too-large")
                return
            }
            do {
                try handle?.write(contentsOf: buffer.readableBytesView)
            } catch {
                failure = ProblemDocument(.internalServerError, code: "io", detail: "cannot buffer part '\(name)'")
            }
        } else {
            text += buffer.readableBytesView
            if text.count > Submission.maxDocumentBytes {
                fail(.contentTooLarge, "part '\(name)' is larger than \(Submission.maxDocumentBytes) bytes", code: "too-large")
            }
        }
    }

    /// Closes any file still open (after an error mid-part).
    func finish() {
        try? handle?.close()
        handle = nil
    }

    func complete() {
        if let name, fileName == nil, failure == nil {
            if fields[name] != nil {
                fail(.badRequest, "two '\(name)' parts")
            } else if fields.count >= Self.maximumFields {
                fail(.badRequest, "at most \(Self.maximumFields) text parts")
            } else {
                fields[name] = String(decoding: text, as: UTF8.self)
            }
        }
        try? handle?.close()
        handle = nil
        name = nil
        fileName = nil
        contentType = nil
        text = []
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
