internal import Foundation

/// A `Content-Disposition` header value (RFC 6266, with RFC 7578's `form-data`): the disposition type and
/// its parameters, with quoted strings unescaped and `filename*` (RFC 8187: `UTF-8''percent%20encoded`)
/// preferred over `filename`. Parameter names are case-insensitive.
public struct ContentDisposition: Sendable, Equatable {
    /// The disposition type, lowercased (`form-data`, `attachment`).
    public var type: String
    /// Parameters by lowercased name, values unquoted (and, for `NAME*`, decoded).
    public var parameters: [String: String]

    public var name: String? { parameters["name"] }
    /// `filename*` when present and decodable, else `filename`.
    public var filename: String? { parameters["filename*"] ?? parameters["filename"] }

    /// Nil when the value is not a disposition type followed by `; name=value` parameters.
    public init?(_ value: String) {
        var scanner = Scanner(Array(value.utf8))
        guard let type = scanner.token() else { return nil }
        self.type = type.lowercased()
        var parameters: [String: String] = [:]
        while true {
            scanner.skipSpaces()
            if scanner.atEnd { break }
            guard scanner.take(UInt8(ascii: ";")) else { return nil }
            scanner.skipSpaces()
            if scanner.atEnd { break }  // A trailing ';' is common and harmless.
            guard let name = scanner.token()?.lowercased() else { return nil }
            scanner.skipSpaces()
            guard scanner.take(UInt8(ascii: "=")) else { return nil }
            scanner.skipSpaces()
            guard let raw = scanner.peek == UInt8(ascii: "\"") ? scanner.quotedString() : scanner.token() else { return nil }
            if name.hasSuffix("*") {
                // An extended value that cannot be decoded is dropped; the plain form, if any, stands.
                if let decoded = Self.extendedValue(raw) { parameters[name] = decoded }
            } else if parameters[name] == nil {
                parameters[name] = raw
            }
            guard parameters.count <= 32 else { return nil }
        }
        self.parameters = parameters
    }

    /// `UTF-8'lang'percent-encoded` (RFC 8187); other charsets are refused.
    static func extendedValue(_ raw: String) -> String? {
        let pieces = raw.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[0].lowercased() == "utf-8" else { return nil }
        return String(pieces[2]).removingPercentEncoding
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }

        mutating func skipSpaces() {
            while let byte = peek, byte == 0x20 || byte == 0x09 { index += 1 }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            index += 1
            return true
        }

        /// RFC 9110 `token`.
        mutating func token() -> String? {
            let start = index
            while let byte = peek, Self.isTokenByte(byte) { index += 1 }
            return index > start ? String(decoding: bytes[start..<index], as: UTF8.self) : nil
        }

        /// RFC 9110 `quoted-string`, with `\` escapes undone.
        mutating func quotedString() -> String? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            var out: [UInt8] = []
            while let byte = peek {
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = peek else { return nil }
                    index += 1
                    out.append(escaped)
                case 0x00..<0x09, 0x0A..<0x20, 0x7F: return nil
                default: out.append(byte)
                }
            }
            return nil
        }

        static func isTokenByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
