import Foundation
import HTTPTypes
import HummingbirdTesting
import MixdownJobs
import MixdownTestSupport
import NIOCore
import Testing

/// A store or bucket that cannot be reached is an outage the client may wait out (503 with a problem
/// document), not an internal error; the process stays up.
@Suite("Backend outages")
struct BackendOutageTests {
    /// A loopback port nothing listens on (tcpmux, port 1): connections are refused.
    static func closedPort() throws -> Int { 1 }

    @Test("an unreachable bucket answers 503 backend-unavailable to an upload, and nothing is recorded")
    func bucketAway() async throws {
        let port = try Self.closedPort()
        let harness = try APIHarness {
            $0.storage = "s3://away/mixdown"
            $0.s3.endpoint = "http://127.0.0.1:\(port)"
            $0.s3.accessKeyId = "AKIDTEST"
            $0.s3.secretAccessKey = "test-secret"
        }
        try await harness.run { client async throws in
            let response = try await client.upload(try TestMedia.path("voice.wav"), name: "voice.wav")
            #expect(response.status == .serviceUnavailable, "\(String(buffer: response.body))")
            #expect(try response.json()["code"] as? String == "backend-unavailable")
            let (_, statuses) = try await client.json("/v1/jobs")
            #expect((statuses["jobs"] as? [Any])?.isEmpty == true)
        }
    }
}
