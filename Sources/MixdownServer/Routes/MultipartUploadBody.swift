internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import MixdownRecipe
internal import MultipartKit

/// The one file part of a `multipart/form-data` upload, as a sequence of its bytes read straight from the
/// request body: no temporary file. ``prepare()`` reads up to the file part's first bytes, so its file name
/// and type are known before storage is chosen; iterating then yields the part's bytes as they arrive and,
/// after it, reads the rest of the body to check the form (one file part, a closing boundary).
///
/// Caps: the file at `maximumFileBytes` (413), each text part at ``Submission/maxDocumentBytes``, the whole
/// body at the file's cap plus two of those, at most ``MultipartCollector/maximumFields`` parts, headers at
/// ``MultipartCollector/maximumHeaderBytes``. Problems are thrown as ``ProblemDocument``s and kept in
/// ``tally``: storage may wrap what the sequence threw.
final class MultipartUploadBody: AsyncSequence, @unchecked Sendable {
    typealias Element = ByteBuffer

    private var body: RequestBody.AsyncIterator
    private let parser: MultipartParser
    private let maximumFileBytes: Int
    private var events: [MultipartCollector.Event] = []
    private var output: [ByteBuffer] = []
    private var ended = false
    // The part being read.
    private var partName: String?
    private var partFileName: String?
    private var partContentType: String?
    private var partIsFile = false
    private var textBytes = 0
    private var insidePart = false
    private var completedParts = 0
    private var quietBytes = 0
    private var totalBytes = 0

    /// The file part's name and type, once ``prepare()`` has returned.
    private(set) var fileName = "upload"
    private(set) var contentType = "application/octet-stream"
    private(set) var fileParts = 0
    private(set) var fileBytes = 0
    /// The problem that stopped the body, if one did, and the SHA-256 of the file part.
    let tally = UploadTally()

    init(_ request: Request, boundary: String, maximumFileBytes: Int) {
        body = request.body.makeAsyncIterator()
        parser = MultipartParser(boundary: boundary)
        self.maximumFileBytes = maximumFileBytes
        parser.onHeader = { [unowned self] name, value in events.append(.header(name, value)) }
        parser.onBody = { [unowned self] buffer in events.append(.body(buffer)) }
        parser.onPartComplete = { [unowned self] in events.append(.complete) }
    }

    /// Reads until the file part's first bytes (or its end, for an empty file): its file name and type are
    /// then known. Throws when the body ends first.
    func prepare() async throws {
        while fileParts == 0 {
            guard try await readMore() else { throw fail(.badRequest, "send exactly one file part", code: .badMultipart) }
        }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let source: MultipartUploadBody
        mutating func next() async throws -> ByteBuffer? { try await source.next() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: self) }

    private func next() async throws -> ByteBuffer? {
        while output.isEmpty {
            guard try await readMore() else { return nil }
        }
        return output.removeFirst()
    }

    /// Feeds one buffer of the request to the parser and acts on what it reported; false once the body
    /// has ended (after checking that the form was whole).
    private func readMore() async throws -> Bool {
        guard !ended else { return false }
        let buffer: ByteBuffer?
        do {
            buffer = try await body.next()
        } catch {
            throw fail(.badRequest, "the request body cannot be read", code: .badBody)
        }
        guard let buffer else {
            ended = true
            guard !insidePart, completedParts > 0 else { throw fail(.badRequest, "the multipart body ends before its closing boundary") }
            guard fileParts == 1 else { throw fail(.badRequest, "send exactly one file part", code: .badMultipart) }
            return false
        }
        // The file, and room for the form around it: no body may go on for ever after its file.
        totalBytes += buffer.readableBytes
        guard totalBytes <= maximumFileBytes + 2 * Submission.maxDocumentBytes else {
            throw fail(.contentTooLarge, "the request body is too large", code: .tooLarge)
        }
        do {
            try parser.execute(buffer)
        } catch {
            throw fail(.badRequest, "the multipart body is malformed")
        }
        // MultipartKit reports nothing while it reads a part's headers: bytes without events are capped.
        if events.isEmpty {
            quietBytes += buffer.readableBytes
            guard quietBytes <= MultipartCollector.maximumHeaderBytes else { throw fail(.badRequest, "a part's headers are larger than 64 KiB") }
        } else {
            quietBytes = 0
        }
        let reported = events
        events = []
        for event in reported {
            switch event {
            case .header(let field, let value):
                insidePart = true
                try header(field, value)
            case .body(let slice):
                insidePart = true
                try bodyBytes(slice)
            case .complete:
                if partIsFile == false, partName != nil, partFileName != nil {
                    // A file part with no bytes at all.
                    try startFile()
                }
                insidePart = false
                completedParts += 1
                guard completedParts <= MultipartCollector.maximumFields else {
                    throw fail(.badRequest, "at most \(MultipartCollector.maximumFields) parts")
                }
                partName = nil
                partFileName = nil
                partContentType = nil
                partIsFile = false
                textBytes = 0
            }
        }
        return true
    }

    private func header(_ field: String, _ value: String) throws {
        switch field.lowercased() {
        case "content-disposition":
            do {
                (partName, partFileName) = try MultipartCollector.formDataPart(value)
            } catch {
                throw fail(error.status, error.detail)
            }
        case "content-type":
            partContentType = value
        default:
            break
        }
    }

    private func startFile() throws {
        guard fileParts == 0 else { throw fail(.badRequest, "send exactly one file part", code: .badMultipart) }
        fileParts = 1
        partIsFile = true
        fileName = partFileName ?? "upload"
        contentType = MixdownAPI.storableContentType(partContentType)
    }

    private func bodyBytes(_ slice: ByteBuffer) throws {
        guard partName != nil else { throw fail(.badRequest, "a part has no Content-Disposition name") }
        guard partFileName != nil else {
            textBytes += slice.readableBytes
            guard textBytes <= Submission.maxDocumentBytes else {
                throw fail(.contentTooLarge, "a text part is larger than \(Submission.maxDocumentBytes) bytes", code: .tooLarge)
            }
            return
        }
        if !partIsFile { try startFile() }
        fileBytes += slice.readableBytes
        guard fileBytes <= maximumFileBytes else {
            throw fail(.contentTooLarge, "uploads are limited to \(maximumFileBytes) bytes", code: .tooLarge)
        }
        tally.add(slice)
        output.append(slice)
    }

    private func fail(_ status: HTTPResponse.Status, _ detail: String, code: ErrorCode = .badMultipart) -> ProblemDocument {
        tally.record(ProblemDocument(status, code: code, detail: detail))
    }
}
