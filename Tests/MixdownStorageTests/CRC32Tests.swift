import CMixdownChecksum
import Foundation
import MixdownTestSupport
import Testing

@testable import MixdownStorage

/// The checksum each multipart part carries: a bucket refuses a part whose CRC-32 is wrong, so it must be
/// zlib's exactly.
@Suite("CRC-32")
struct CRC32Tests {
    static func crc(_ bytes: [UInt8]) -> CRC32 {
        var crc = CRC32()
        bytes.withUnsafeBytes { crc.update($0) }
        return crc
    }

    @Test("the published check value, the empty input, and S3's base64 form")
    func vectors() {
        // The CRC-32/ISO-HDLC check value (the CRC catalogue), and zlib's crc32 of "a".
        #expect(Self.crc(Array("123456789".utf8)).value == 0xCBF4_3926)
        #expect(Self.crc([]).value == 0)
        #expect(Self.crc(Array("a".utf8)).value == 0xE8B7_BE43)
        // S3 writes the four bytes big-endian, in base64: 0xCBF43926 is y/Q5Jg==.
        #expect(Self.crc(Array("123456789".utf8)).base64 == "y/Q5Jg==")
    }

    @Test("any length and split matches zlib's crc32 on the same bytes")
    func matchesZlib() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SplitMix64(seed: seed)
        let bytes = (0..<70_001).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let directory = try TestMedia.temporaryDirectory("crc32")
        let path = directory.appendingPathComponent("bytes.bin").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let lengths = [1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 1000, 70_001]
        let script = """
            import sys, zlib
            data = open(sys.argv[1], 'rb').read()
            print(' '.join(str(zlib.crc32(data[:int(n)])) for n in sys.argv[2:]))
            """
        let status = try Shell.run("python3", ["-c", script, path] + lengths.map(String.init))
        let expected = status.standardOutput.split(whereSeparator: \.isWhitespace).compactMap { UInt32($0) }
        #expect(expected.count == lengths.count)
        for (length, zlib) in zip(lengths, expected) {
            #expect(Self.crc(Array(bytes[..<length])).value == zlib, "seed \(seed), length \(length)")
            // Fed in two uneven pieces, as parts arrive in chunks.
            var split = CRC32()
            let cut = length / 3
            bytes[..<cut].withUnsafeBytes { split.update($0) }
            bytes[cut..<length].withUnsafeBytes { split.update($0) }
            #expect(split.value == zlib, "seed \(seed), length \(length) split at \(cut)")
        }
    }

    @Test("carry-less folding and the tables agree on every length to 300, at 16 alignments, after a prefix")
    func foldingMatchesTables() {
        let seed = UInt64.random(in: 0...UInt64.max)
        var generator = SplitMix64(seed: seed)
        let bytes = (0..<4_200).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes.withUnsafeBytes { all in
            for start in 0..<16 {
                for length in Array(0...300) + [1_023, 1_024, 1_025, 4_096] {
                    let piece = UnsafeRawBufferPointer(rebasing: all[start..<(start + length)])
                    // A register that is not the initial one, as for the second chunk of a part.
                    var folded = CRC32()
                    var tabled = CRC32()
                    all[4_150..<(4_150 + start % 7)].withUnsafeBytes { prefix in
                        folded.update(prefix, folding: false)
                        tabled.update(prefix, folding: false)
                    }
                    folded.update(piece, folding: true)
                    tabled.update(piece, folding: false)
                    #expect(folded.value == tabled.value, "seed \(seed), offset \(start), length \(length)")
                }
            }
        }
    }

    #if arch(x86_64)
        /// Every x86-64 processor since 2010 has PCLMULQDQ: a build where folding never engages would
        /// checksum uploads at a seventh of the speed and no other test would notice. An emulated
        /// processor without it (QEMU's plain qemu64) must get the tables instead.
        @Test("on x86-64 the folding takes every whole 16 bytes of an input of 64 bytes or more, where the processor can")
        func foldingEngages() throws {
            let flags =
                try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
                .split(separator: "\n").first { $0.hasPrefix("flags") }?
                .split(separator: " ").map(String.init) ?? []
            let capable = flags.contains("pclmulqdq") && flags.contains("sse4_1")
            let bytes = [UInt8](repeating: 0xA5, count: 1_000)
            var register: UInt32 = 0xFFFF_FFFF
            let folded = bytes.withUnsafeBytes { mixdown_crc32_fold(&register, $0.baseAddress, $0.count) }
            #expect(folded == (capable ? 992 : 0), "cpuinfo says PCLMULQDQ and SSE4.1: \(capable)")
            let short = bytes.withUnsafeBytes { mixdown_crc32_fold(&register, $0.baseAddress, 63) }
            #expect(short == 0)
        }
    #endif
}
