import Foundation
import HTTPTypes
import HummingbirdTesting
import MixdownTestSupport
import NIOCore
import Testing

@testable import MixdownServer

/// `Range` on asset content per RFC 9110: one range served (end clamped), unsatisfiable ones 416 with
/// `Content-Range: bytes */SIZE`, anything else ignored. Checked on the bytes of a real upload.
@Suite("Asset content ranges")
struct AssetRangeTests {
    /// What a header should give on `size` bytes: the whole body (200), a range (206), or
    /// `unsatisfiable` for 416.
    enum Expected: Sendable {
        case whole
        case bytes(ClosedRange<Int>)
        case unsatisfiable
    }

    static func cases(size: Int) -> [(String, Expected)] {
        [
            ("bytes=0-3", .bytes(0...3)),
            ("bytes=10-", .bytes(10...(size - 1))),
            ("bytes=-5", .bytes((size - 5)...(size - 1))),
            ("bytes=0-0", .bytes(0...0)),
            ("BYTES=0-1", .bytes(0...1)),
            // An end past the size is clamped to the last byte.
            ("bytes=\(size - 10)-\(size + 1000)", .bytes((size - 10)...(size - 1))),
            ("bytes=0-\(size * 10)", .bytes(0...(size - 1))),
            // A suffix longer than the file is the whole file, as a range.
            ("bytes=-\(size * 10)", .bytes(0...(size - 1))),
            ("bytes=\(size)-", .unsatisfiable),
            ("bytes=\(size + 5)-\(size + 10)", .unsatisfiable),
            ("bytes=-0", .unsatisfiable),
            ("bytes=99999999999999999999999-", .unsatisfiable),
            // Several ranges, another unit, bad syntax: ignored, the whole body.
            ("bytes=0-1,4-5", .whole),
            ("bytes=x-y", .whole),
            ("items=0-1", .whole),
            ("bytes=5-2", .whole),
            ("bytes=-", .whole),
            ("bytes=", .whole),
            ("bytes=+1-2", .whole),
            ("bytes 0-1", .whole),
        ]
    }

    @Test("every kind of Range header against the uploaded bytes")
    func ranges() async throws {
        let harness = try APIHarness()
        let file = try TestMedia.path("intro.wav")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
        let size = bytes.count
        try #require(size > 100)
        try await harness.run { client async throws in
            let asset = try await client.upload(file, name: "intro.wav").json()
            #expect(asset["bytes"] as? Int == size)
            let url = try #require(asset["streamUrl"] as? String)
            let plain = try await client.execute(uri: url, method: .get)
            #expect(plain.status == .ok && [UInt8](plain.body.readableBytesView) == bytes)

            for (header, expected) in Self.cases(size: size) {
                let response = try await client.execute(uri: url, method: .get, headers: [.range: header])
                switch expected {
                case .whole:
                    #expect(response.status == .ok, "\(header)")
                    #expect(response.headers[.contentRange] == nil, "\(header)")
                    #expect(response.headers[.contentLength] == String(size), "\(header)")
                    #expect([UInt8](response.body.readableBytesView) == bytes, "\(header)")
                case .bytes(let range):
                    #expect(response.status == .partialContent, "\(header)")
                    #expect(response.headers[.contentRange] == "bytes \(range.lowerBound)-\(range.upperBound)/\(size)", "\(header)")
                    #expect(response.headers[.contentLength] == String(range.count), "\(header)")
                    #expect([UInt8](response.body.readableBytesView) == Array(bytes[range]), "\(header)")
                case .unsatisfiable:
                    #expect(response.status == .rangeNotSatisfiable, "\(header)")
                    #expect(response.headers[.contentRange] == "bytes */\(size)", "\(header)")
                    #expect(response.headers[.contentType] == "application/problem+json", "\(header)")
                    #expect(try response.json()["code"] as? String == "range-not-satisfiable", "\(header)")
                }
            }
        }
    }

    @Test("an empty file: every range is unsatisfiable, no range is an empty 200")
    func emptySize() {
        #expect(ByteRange("bytes=0-", size: 0) == .unsatisfiable)
        #expect(ByteRange("bytes=-1", size: 0) == .unsatisfiable)
        #expect(ByteRange(nil, size: 0) == .whole)
        #expect(ByteRange("bytes=0-1,2-3", size: 0) == .whole)
    }
}
