/// A validated object key such as `jobs/job_01J.../episode.mp3`.
///
/// Keys are relative, `/`-separated paths of plain segments: no `..` or `.`, no empty segments, no
/// leading slash, no backslashes or control characters, at most 512 bytes. A key that could escape the
/// storage root is refused here, once, whatever the backend.
public struct StorageKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) throws(StorageError) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= 512 else { throw StorageError.invalidKey(rawValue, "a key has 1 to 512 bytes") }
        guard !rawValue.hasPrefix("/") else { throw StorageError.invalidKey(rawValue, "a key is relative") }
        for scalar in rawValue.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\\" {
            throw StorageError.invalidKey(rawValue, "a key has no control characters or backslashes")
        }
        for segment in rawValue.split(separator: "/", omittingEmptySubsequences: false) {
            guard !segment.isEmpty, segment != ".", segment != ".." else {
                throw StorageError.invalidKey(rawValue, "a key has no empty, '.' or '..' segments")
            }
        }
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
