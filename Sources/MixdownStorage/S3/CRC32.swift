internal import CMixdownChecksum

/// CRC-32 (ISO-HDLC, zlib's: reflected polynomial 0xEDB88320), the checksum a multipart upload sends with
/// each part (`x-amz-checksum-crc32`) for the bucket to verify. The processor's carry-less multiply folds
/// what it can (x86-64 with PCLMULQDQ, about 8 GB/s); slicing-by-8 (eight bytes a step through eight
/// tables, about 1.1 GB/s) takes the rest, and everything on other processors.
struct CRC32: Sendable {
    private(set) var value: UInt32 = 0

    init() {}

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        update(bytes, folding: true)
    }

    /// `folding: false` keeps to the tables, which the tests check the folding against.
    mutating func update(_ bytes: UnsafeRawBufferPointer, folding: Bool) {
        var crc = ~value
        var index = 0
        let count = bytes.count
        if folding, let base = bytes.baseAddress { index = mixdown_crc32_fold(&crc, base, count) }
        Self.tables.withUnsafeBufferPointer { table in
            while count - index >= 8 {
                let low = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self)) ^ crc
                let high = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self))
                crc =
                    table[7 * 256 + Int(low & 0xFF)] ^ table[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ table[5 * 256 + Int((low >> 16) & 0xFF)] ^ table[4 * 256 + Int(low >> 24)]
                    ^ table[3 * 256 + Int(high & 0xFF)] ^ table[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ table[1 * 256 + Int((high >> 16) & 0xFF)] ^ table[Int(high >> 24)]
                index += 8
            }
            while index < count {
                crc = table[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        value = ~crc
    }

    /// The value as S3 writes it: the four bytes, most significant first, in base64.
    var base64: String {
        let bytes: [UInt8] = [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        // Four bytes: one full group of three, then one byte and two pad characters.
        let group = UInt32(bytes[0]) << 16 | UInt32(bytes[1]) << 8 | UInt32(bytes[2])
        let tail = UInt32(bytes[3]) << 4
        let characters = [
            alphabet[Int(group >> 18)], alphabet[Int((group >> 12) & 63)], alphabet[Int((group >> 6) & 63)], alphabet[Int(group & 63)],
            alphabet[Int(tail >> 6)], alphabet[Int(tail & 63)], UInt8(ascii: "="), UInt8(ascii: "="),
        ]
        return String(decoding: characters, as: UTF8.self)
    }

    /// Table k maps a byte to its CRC after k more zero bytes (table 0 is the classic one).
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            tables[byte] = crc
        }
        for byte in 0..<256 {
            var crc = tables[byte]
            for slice in 1..<8 {
                crc = tables[Int(crc & 0xFF)] ^ (crc >> 8)
                tables[slice * 256 + byte] = crc
            }
        }
        return tables
    }()
}
