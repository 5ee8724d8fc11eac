internal import Foundation
internal import HTTPTypes
internal import Hummingbird
internal import MixdownRecipe
internal import MultipartKit

/// A `multipart/form-data` job submission read as it arrives, pulled by its consumer: text parts into
/// ``fields``, and each file part handed out (``nextFile()``) as a sequence of its bytes (``file``) that
/// the caller streams into storage before asking for the next one. Nothing is written to local disk.
///
/// Caps, as the spooling reader had them: each file at `maximumFileBytes` (413), each text part at
/// ``Submission/maxDocumentBytes``, at most ``maximumFiles`` files and
/// ``maximumFields`` text parts, headers at ``maximumHeaderBytes``,
/// the whole body at what those allow. Problems are thrown as ``ProblemDocument``s and also kept in the
/// current file's ``UploadTally`` (storage may wrap what the sequence threw).
final class MultipartFormReader: @unchecked Sendable {
    /// A file part: its input name, the client's file name, and its content type made servable.
    struct FilePart: Sendable {
        var name: String
        var fileName: String
        var contentType: String
        /// The SHA-256 of its bytes (once read) and the problem that stopped it, if one did.
        var tally: UploadTally
    }

    /// Parts that are always text, whatever their disposition (`curl -F recipe=@episode.yaml` sends a filename).
    static let textFields: Set<String> = ["recipe", "params", "preview", "notifyUrl"]
    static let maximumFiles = 16
    static let maximumFields = 32
    static let maximumHeaderBytes = 64 * 1024

    /// What MultipartKit reported, recorded by its (synchronous) callbacks and acted on afterwards.
    enum Event {
        case header(String, String)
        case body(ByteBuffer)
        case complete
    }

    /// A part's name, and its file name unless it is a file part: a `recipe`, `params`, `preview` or
    /// `notifyUrl` part is always text, whatever file name it carries.
    static func formDataPart(_ disposition: String) throws(ProblemDocument) -> (name: String, fileName: String?) {
        guard let parsed = ContentDisposition(disposition), parsed.type == "form-data", let name = parsed.name else {
            throw ProblemDocument(.badRequest, code: .badMultipart, detail: "each part needs 'Content-Disposition: form-data; name=...'")
        }
        return (name, textFields.contains(name) ? nil : parsed.filename)
    }

    private(set) var fields: [String: String] = [:]
    /// The input names of the file parts handed out so far.
    private var fileParts: Set<String> = []
    private var body: RequestBody.AsyncIterator
    private let parser: MultipartParser
    private let maximumFileBytes: Int
    private let maximumBodyBytes: Int
    /// What the parser reported and has not been acted on yet, oldest first.
    private var events: [Event] = []
    private var eventIndex = 0
    private var ended = false
    private var totalBytes = 0
    private var quietBytes = 0
    private var completedParts = 0
    private var insidePart = false
    // The part being read.
    private var partName: String?
    private var partFileName: String?
    private var partContentType: String?
    private var text: [UInt8] = []
    /// The file part being handed out, if one is.
    private var current: FilePart?
    private var fileBytes = 0

    init(_ request: Request, boundary: String, maximumFileBytes: Int) {
        body = request.body.makeAsyncIterator()
        parser = MultipartParser(boundary: boundary)
        self.maximumFileBytes = maximumFileBytes
        let (product, overflow) = (maximumFileBytes + Submission.maxDocumentBytes).multipliedReportingOverflow(by: Self.maximumFiles)
        maximumBodyBytes = overflow ? Int.max : product
        parser.onHeader = { [unowned self] name, value in events.append(.header(name, value)) }
        parser.onBody = { [unowned self] buffer in events.append(.body(buffer)) }
        parser.onPartComplete = { [unowned self] in events.append(.complete) }
    }

    /// Reads on to the next file part, keeping the text parts before it; nil once the body has ended and
    /// the form was whole. A file part not read to its end is read through (and its bytes dropped) first.
    func nextFile() async throws -> FilePart? {
        while current != nil { _ = try await nextChunk() }
        while let event = try await nextEvent() {
            switch event {
            case .header(let field, let value):
                try header(field, value)
            case .body(let slice):
                guard let name = partName else { throw fail(.badRequest, "a part has no Content-Disposition name") }
                if let fileName = partFileName {
                    // Handed back, so the file's own sequence yields it.
                    unread(event)
                    return try startFile(name: name, fileName: fileName)
                }
                text += slice.readableBytesView
                guard text.count <= Submission.maxDocumentBytes else {
                    throw fail(
                        .contentTooLarge,
                        "part '\(Excerpt.excerpt(name))' is larger than \(Submission.maxDocumentBytes) bytes",
                        code: .tooLarge
                    )
                }
            case .complete:
                if let name = partName, let fileName = partFileName {
                    // A file part with no bytes at all: its sequence ends at once.
                    unread(event)
                    return try startFile(name: name, fileName: fileName)
                }
                try completeTextPart()
            }
        }
        return nil
    }

    /// The current file part's next bytes; nil at its end.
    func nextChunk() async throws -> ByteBuffer? {
        guard let file = current else { return nil }
        guard let event = try await nextEvent() else { return nil }
        switch event {
        case .body(var slice):
            // The parser cuts its input at every CR: slices already parsed are handed out together (up
            // to 64 KiB), not one awaited call each. Nothing more is read from the network for it.
            while slice.readableBytes < 65_536, eventIndex < events.count, case .body(var next) = events[eventIndex] {
                slice.writeBuffer(&next)
                eventIndex += 1
            }
            fileBytes += slice.readableBytes
            guard fileBytes <= maximumFileBytes else {
                throw fail(.contentTooLarge, "file '\(file.name)' is larger than the \(maximumFileBytes)-byte upload limit", code: .tooLarge)
            }
            file.tally.add(slice)
            return slice
        case .complete:
            current = nil
            resetPart()
            return nil
        case .header:
            throw fail(.badRequest, "the multipart body is malformed")
        }
    }

    /// The current file part's bytes, for storage to consume.
    var file: FileBytes { FileBytes(reader: self) }

    /// `part`'s bytes, followed by a read of the rest of the form, which must hold no other file: a form
    /// with two files fails inside the sequence, so storage keeps neither (the upload route).
    func onlyFile(_ part: FilePart) -> OnlyFile { OnlyFile(reader: self, part: part) }

    struct OnlyFile: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let reader: MultipartFormReader
        let part: FilePart

        struct AsyncIterator: AsyncIteratorProtocol {
            let reader: MultipartFormReader
            let part: FilePart
            var done = false

            mutating func next() async throws -> ByteBuffer? {
                guard !done else { return nil }
                if let chunk = try await reader.nextChunk() { return chunk }
                done = true
                guard try await reader.nextFile() == nil else {
                    throw part.tally.record(ProblemDocument(.badRequest, code: .badMultipart, detail: "send exactly one file part"))
                }
                return nil
            }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader, part: part) }
    }

    struct FileBytes: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let reader: MultipartFormReader

        struct AsyncIterator: AsyncIteratorProtocol {
            let reader: MultipartFormReader
            mutating func next() async throws -> ByteBuffer? { try await reader.nextChunk() }
        }

        func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: reader) }
    }

    private func startFile(name: String, fileName: String) throws -> FilePart {
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }), !name.isEmpty, name.count <= 64 else {
            throw fail(.badRequest, "file parts are named after upload inputs (letters, digits, '-', '_')")
        }
        guard !fileParts.contains(name) else { throw fail(.badRequest, "two file parts for input '\(name)'") }
        guard fileParts.count < Self.maximumFiles else {
            throw fail(.contentTooLarge, "at most \(Self.maximumFiles) files per request", code: .tooLarge)
        }
        fileParts.insert(name)
        fileBytes = 0
        let file = FilePart(name: name, fileName: fileName, contentType: MixdownAPI.storableContentType(partContentType), tally: UploadTally())
        current = file
        return file
    }

    private func header(_ field: String, _ value: String) throws {
        switch field.lowercased() {
        case "content-disposition":
            do {
                (partName, partFileName) = try Self.formDataPart(value)
            } catch {
                throw fail(error.status, error.detail)
            }
        case "content-type":
            partContentType = value
        default:
            break
        }
    }

    private func completeTextPart() throws {
        if let name = partName {
            guard fields[name] == nil else { throw fail(.badRequest, "two '\(Excerpt.excerpt(name))' parts") }
            guard fields.count < Self.maximumFields else {
                throw fail(.badRequest, "at most \(Self.maximumFields) text parts")
            }
            fields[name] = String(decoding: text, as: UTF8.self)
        }
        resetPart()
    }

    private func resetPart() {
        partName = nil
        partFileName = nil
        partContentType = nil
        text = []
    }

    /// The next thing the parser reported, reading the body as needed; nil once the body has ended (after
    /// checking that the form was whole).
    private func nextEvent() async throws -> Event? {
        while eventIndex >= events.count {
            events.removeAll(keepingCapacity: true)
            eventIndex = 0
            guard try await readMore() else { return nil }
        }
        let event = events[eventIndex]
        eventIndex += 1
        switch event {
        case .header, .body: insidePart = true
        case .complete:
            insidePart = false
            completedParts += 1
            guard completedParts <= Self.maximumFields + Self.maximumFiles else {
                throw fail(.badRequest, "the form has too many parts")
            }
        }
        return event
    }

    /// Hands back the event ``nextEvent()`` just returned, undoing what reading it counted.
    private func unread(_ event: Event) {
        eventIndex -= 1
        if case .complete = event {
            completedParts -= 1
            insidePart = true
        }
    }

    /// Feeds one buffer of the request to the parser; false once the body has ended.
    private func readMore() async throws -> Bool {
        guard !ended else { return false }
        let buffer: ByteBuffer?
        do {
            buffer = try await body.next()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw fail(.badRequest, "the request body cannot be read", code: .badBody)
        }
        guard let buffer else {
            ended = true
            // A body cut off inside a part (no closing delimiter) is not a request to act on.
            guard !insidePart, completedParts > 0 else { throw fail(.badRequest, "the multipart body ends before its closing boundary") }
            return false
        }
        totalBytes += buffer.readableBytes
        guard totalBytes <= maximumBodyBytes else { throw fail(.contentTooLarge, "the request body is too large", code: .tooLarge) }
        do {
            try parser.execute(buffer)
        } catch {
            throw fail(.badRequest, "the multipart body is malformed")
        }
        // MultipartKit reports nothing while it reads a part's headers: bytes without events are capped.
        if events.isEmpty {
            quietBytes += buffer.readableBytes
            guard quietBytes <= Self.maximumHeaderBytes else { throw fail(.badRequest, "a part's headers are larger than 64 KiB") }
        } else {
            quietBytes = 0
        }
        return true
    }

    private func fail(_ status: HTTPResponse.Status, _ detail: String, code: ErrorCode = .badMultipart) -> ProblemDocument {
        let problem = ProblemDocument(status, code: code, detail: detail)
        return current?.tally.record(problem) ?? problem
    }
}
