import Foundation
import MixdownTestSupport
import Testing

@testable import MixdownServer

/// ``JSONWriter`` is total: for generated strings and doubles its output is valid JSON that reads back as
/// the values written, the same values `JSONEncoder`'s output reads back as; non-finite numbers are `null`.
///
/// Two readers: `JSONSerialization` reads the writer's text and `JSONEncoder`'s alike (on Linux it drops
/// U+FEFF inside strings and can miss a double's last digit, for both texts equally), and `JSONDecoder`
/// reads the writer's text back exactly, scalar for scalar and bit for bit.
@Suite("JSON writer")
struct JSONWriterTests {
    struct Document: Codable {
        var a: String
        var b: Double
        var c: [String]
    }

    static func written(_ document: Document) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("a")
        writer.string(document.a)
        writer.key("b")
        writer.number(document.b)
        writer.key("c")
        writer.beginArray()
        for text in document.c { writer.string(text) }
        writer.endArray()
        writer.endObject()
        return writer.text
    }

    static func scalars(_ value: Any?) -> [UInt32]? {
        (value as? String).map { $0.unicodeScalars.map(\.value) }
    }

    static func parse(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data, options: []) as? [String: Any])
    }

    /// Doubles where text forms go wrong: signed zero, extremes, subnormals (5e-324), the edges of exact
    /// integers (2^53 + 1 rounds to 2^53) and of Int64 (whose conversion traps from 2^63 up).
    static let edgeDoubles: [Double] = [
        0, -0.0, 1, -1, 0.1, 1.0 / 3, 1e300, -1e300, Double.leastNonzeroMagnitude, -Double.leastNonzeroMagnitude, Double.leastNormalMagnitude,
        Double.greatestFiniteMagnitude,
        -Double.greatestFiniteMagnitude, Double(Int64(9_007_199_254_740_993)), 0x1p53, 0x1p53 - 1, 1e15, 1e15 - 1, -1e15 + 1, 999_999_999_999_999.9,
        Double(Int64.max), Double(Int64.min), 0x1p63 - 1024, 0x1p63, -0x1p63, 0x1p64, 1e-7, 123_456.789, 4.35, 1e21, 1e22,
    ]

    @Test("generated strings and finite doubles read back exactly, and as JSONEncoder's output reads back")
    func roundTrip() throws {
        var generator = SplitMix64(seed: 0x6d69_7864_6f77_6e21)
        var doubles = Self.edgeDoubles
        for _ in 0..<1500 { doubles.append(generator.nextDouble()) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for (index, number) in doubles.enumerated() {
            let document = Document(
                a: generator.nextString(),
                b: number,
                c: (0..<Int(generator.next() % 3)).map { _ in generator.nextString() }
            )
            let text = Self.written(document)
            // Read like JSONEncoder's output.
            let mine = try Self.parse(Data(text.utf8))
            let reference = try Self.parse(try encoder.encode(document))
            #expect(Self.scalars(mine["a"]) == Self.scalars(reference["a"]), "case \(index): \(text)")
            #expect((mine["c"] as? [String])?.map { Self.scalars($0) } == (reference["c"] as? [String])?.map { Self.scalars($0) }, "case \(index)")
            let read = try #require((mine["b"] as? NSNumber)?.doubleValue, "case \(index): \(text)")
            #expect(read == (reference["b"] as? NSNumber)?.doubleValue, "case \(index): \(text)")
            // Read back exactly. Scalar by scalar: String's == would forgive a change of normalisation.
            let decoded = try JSONDecoder().decode(Document.self, from: Data(text.utf8))
            #expect(Self.scalars(decoded.a) == Self.scalars(document.a), "case \(index): \(text)")
            #expect(decoded.c.map { Self.scalars($0) } == document.c.map { Self.scalars($0) }, "case \(index): \(text)")
            #expect(decoded.b.bitPattern == number.bitPattern, "case \(index): \(number) written as \(text)")
        }
    }

    @Test("NaN and the infinities are written as null, inside valid JSON", arguments: [Double.nan, .infinity, -.infinity, .signalingNaN])
    func nonFinite(value: Double) throws {
        var writer = JSONWriter()
        writer.beginArray()
        writer.number(value)
        writer.number(1)
        writer.endArray()
        #expect(writer.text == "[null,1]")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(writer.text.utf8)) as? [Any])
        #expect(parsed.first is NSNull)
    }
}

extension SplitMix64 {
    /// Any finite double: raw bit patterns (every exponent), whole numbers around 2^53 and Int64's edges, and
    /// small decimals.
    mutating func nextDouble() -> Double {
        switch next() % 4 {
        case 0:
            let value = Double(bitPattern: next())
            return value.isFinite ? value : 0
        case 1:
            return Double(Int64(bitPattern: next()))
        case 2:
            return Double(Int64(bitPattern: next()) % 20_000_000_000_000_000) + [0, 0.5, 0.25][Int(next() % 3)]
        default:
            return Double(Int64(bitPattern: next()) % 1_000_000) / 1000
        }
    }

    /// A string drawn from the characters JSON must escape, quotes, slashes, the line separators JavaScript
    /// chokes on, and scalars from every plane (a Swift string cannot hold a lone surrogate).
    mutating func nextString() -> String {
        let pools: [ClosedRange<UInt32>] = [
            0x00...0x1F, 0x7F...0x7F, 0x22...0x22, 0x5C...0x5C, 0x2F...0x2F, 0x20...0x7E, 0x80...0xFF, 0x2028...0x2029,
            0x0300...0x036F, 0x0100...0xD7FF, 0xE000...0xFFFD, 0xFEFF...0xFEFF, 0x1_0000...0x10_FFFF,
        ]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int(next() % 24) {
            let pool = pools[Int(next() % UInt64(pools.count))]
            let value = pool.lowerBound + UInt32(next() % UInt64(pool.upperBound - pool.lowerBound + 1))
            if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
        }
        return String(scalars)
    }
}
