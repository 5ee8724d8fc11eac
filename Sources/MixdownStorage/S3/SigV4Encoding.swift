/// Percent-encoding as SigV4 defines it for S3: every byte of the UTF-8 form except the unreserved
/// characters `A-Z a-z 0-9 - _ . ~` becomes `%XX` (upper-case hex). S3 paths are encoded once (no
/// double encoding, unlike other services), and `/` stays literal in object keys.
public enum SigV4Encoding {
    /// Encodes a query name or value, or a single path segment.
    public static func encode(_ text: String) -> String {
        encode(text, keeping: nil)
    }

    /// Encodes an object key for the URL path, keeping its `/` separators.
    public static func encodePath(_ text: String) -> String {
        encode(text, keeping: UInt8(ascii: "/"))
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func encode(_ text: String, keeping kept: UInt8?) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if isUnreserved(byte) || byte == kept {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"): true
        default: false
        }
    }
}
