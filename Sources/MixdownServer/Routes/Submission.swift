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
    var files: [String: String] = [:]
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
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mixdown-upload-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let collector = MultipartCollector(directory: directory)
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.header(name, value) }
        parser.onBody = { buffer in collector.body(&buffer) }
        parser.onPartComplete = { collector.complete() }
        var total = 0
        do {
            for try await buffer in request.body {
                total += buffer.readableBytes
                guard total <= api.configuration.maxUploadBytes + maxDocumentBytes else {
                    throw ProblemDocument(
                        .contentTooLarge,
                        code: "too-large",
                        detail: "the request is larger than \(api.configuration.maxUploadBytes) bytes"
                    )
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
            throw ProblemDocument(.badRequest, code: "bad-multipart", detail: "cannot read the multipart body: \(error)")
        }
    }

    var temporaryDirectory: String?

    func removeTemporaryFiles() {
        if let temporaryDirectory { try? FileManager.default.removeItem(atPath: temporaryDirectory) }
    }
}

/// Receives MultipartKit's callbacks: small text parts into memory, file parts into files.
final class MultipartCollector: @unchecked Sendable {
    let directory: String
    var fields: [String: String] = [:]
    var files: [String: String] = [:]
    var failure: ProblemDocument?
    private var name: String?
    private var fileName: String?
    private var text: [UInt8] = []
    private var handle: FileHandle?

    init(directory: String) {
        self.directory = directory
    }

    func header(_ field: String, _ value: String) {
        guard field.lowercased() == "content-disposition" else { return }
        for part in value.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if part.hasPrefix("name=") { name = String(part.dropFirst(5)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            if part.hasPrefix("filename=") { fileName = String(part.dropFirst(9)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
    }

    func body(_ buffer: inout ByteBuffer) {
        guard let name else { return }
        if fileName != nil {
            if handle == nil {
                guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }), !name.isEmpty else {
                    failure = ProblemDocument(.badRequest, code: "bad-multipart", detail: "part names are input names")
                    return
                }
                let path = "\(directory)/\(name)"
                _ = FileManager.default.createFile(atPath: path, contents: nil)
                handle = FileHandle(forWritingAtPath: path)
                files[name] = path
            }
            do {
                try handle?.write(contentsOf: buffer.readableBytesView)
            } catch {
                failure = ProblemDocument(.internalServerError, code: "io", detail: "cannot buffer part '\(name)': \(error.localizedDescription)")
            }
        } else {
            text += buffer.readableBytesView
            if text.count > Submission.maxDocumentBytes {
                failure = ProblemDocument(.contentTooLarge, code: "too-large", detail: "part '\(name)' is too large")
            }
        }
    }

    /// Closes any file still open (after an error mid-part).
    func finish() {
        try? handle?.close()
        handle = nil
    }

    func complete() {
        if let name, fileName == nil { fields[name] = String(decoding: text, as: UTF8.self) }
        try? handle?.close()
        handle = nil
        name = nil
        fileName = nil
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
