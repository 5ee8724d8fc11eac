import Foundation
import MixdownRecipe
import MixdownTestSupport
import Testing

@testable import MixdownExecution

@Suite("Network guard")
struct NetworkGuardTests {
    static func v6(_ groups: [UInt16]) -> NetworkGuard.Address {
        .v6(groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
    }

    @Test("private, loopback and link-local addresses are refused in every spelling")
    func privateAddresses() {
        let refused: [NetworkGuard.Address] = [
            .v4([127, 0, 0, 1]), .v4([10, 1, 2, 3]), .v4([172, 16, 0, 1]), .v4([192, 168, 1, 1]), .v4([169, 254, 169, 254]),
            .v4([100, 64, 0, 1]), .v4([0, 0, 0, 0]), .v4([224, 0, 0, 1]),
            .v4([198, 18, 0, 1]), .v4([198, 19, 255, 254]), .v4([192, 0, 2, 1]), .v4([198, 51, 100, 7]), .v4([203, 0, 113, 9]),
            Self.v6([0, 0, 0, 0, 0, 0, 0, 1]), Self.v6([0, 0, 0, 0, 0, 0, 0, 0]), Self.v6([0xFE80, 0, 0, 0, 0, 0, 0, 1]),
            Self.v6([0xFD00, 0, 0, 0, 0, 0, 0, 1]), Self.v6([0xFEC0, 0, 0, 0, 0, 0, 0, 1]), Self.v6([0xFF02, 0, 0, 0, 0, 0, 0, 1]),
            Self.v6([0, 0, 0, 0, 0, 0xFFFF, 0x7F00, 0x0001]),  // ::ffff:127.0.0.1
            Self.v6([0, 0, 0, 0, 0, 0, 0x0A00, 0x0001]),  // ::10.0.0.1
            Self.v6([0x0064, 0xFF9B, 0, 0, 0, 0, 0xA9FE, 0xA9FE]),  // 64:ff9b::169.254.169.254
            Self.v6([0x2002, 0x7F00, 0x0001, 0, 0, 0, 0, 1]),  // 6to4 of 127.0.0.1
        ]
        for address in refused { #expect(!NetworkGuard.isPublic(address), "\(address)") }
    }

    @Test("public addresses pass")
    func publicAddresses() {
        let allowed: [NetworkGuard.Address] = [
            .v4([93, 184, 216, 34]), .v4([8, 8, 8, 8]), .v4([172, 32, 0, 1]), .v4([198, 20, 0, 1]), .v4([203, 0, 114, 1]),
            Self.v6([0x2606, 0x2800, 0x0220, 0x0001, 0x0248, 0x1893, 0x25C8, 0x1946]),
            Self.v6([0x2002, 0x5DB8, 0xD822, 0, 0, 0, 0, 1]),  // 6to4 of 93.184.216.34
        ]
        for address in allowed { #expect(NetworkGuard.isPublic(address), "\(address)") }
    }
}

@Suite("Download cancellation")
struct DownloadCancellationTests {
    @Test("a download cancelled before it starts ends at once as cancelled, and one cancelled mid-request too")
    func cancelledDownloads() async throws {
        // Connections the kernel accepts and nobody ever answers.
        let silent = try LoopbackSocket(listening: true)
        defer { silent.close() }
        let url = try #require(URL(string: "http://127.0.0.1:\(silent.port)/never"))
        let downloader = HTTPDownloader(maximumBytes: 1 << 20, guard_: NetworkGuard(allowPrivateAddresses: true))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cancel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        // Cancelled first: the handler runs before any data task exists (a render node drained while a
        // dispatch was still on its way to its download). Before the fix this waited out URLSession's 60 s.
        let (gate, open) = AsyncStream<Void>.makeStream()
        let early = Task {
            for await _ in gate { break }
            try await downloader.download(url, to: folder.appendingPathComponent("early").path)
        }
        early.cancel()
        open.finish()
        await #expect {
            try await early.value
        } throws: { error in
            (error as? MixdownError)?.code == .cancelled
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("early").path))
        // Cancelled while the request waits for an answer that never comes.
        let (started, begin) = AsyncStream<Void>.makeStream()
        let late = Task {
            begin.yield()
            try await downloader.download(url, to: folder.appendingPathComponent("late").path)
        }
        for await _ in started { break }
        late.cancel()
        await #expect {
            try await late.value
        } throws: { error in
            (error as? MixdownError)?.code == .cancelled
        }
    }
}
