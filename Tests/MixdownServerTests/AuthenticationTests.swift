import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MixdownTestSupport
import NIOCore
import Testing

@testable import MixdownServer

/// API keys on the `/v1` group: the `Bearer` scheme in any case, the key exactly.
@Suite("API authentication")
struct AuthenticationTests {
    static let key = "test-key-0123456789abcdef"

    @Test("bearer, BEARER and Bearer are accepted with the right key; a wrong key or scheme is a 401 problem document")
    func bearerScheme() async throws {
        let harness = try APIHarness(apiKeys: [Self.key])
        try await harness.run { client async throws in
            for header in ["Bearer \(Self.key)", "bearer \(Self.key)", "BEARER \(Self.key)", "bEaReR  \(Self.key)"] {
                #expect(try await client.status("/v1/jobs", headers: [.authorization: header]) == .ok, "\(header)")
            }
            // The signed content route takes a key too when it has no signature.
            let asset = try await client.upload(try TestMedia.path("intro.wav"), name: "intro.wav", headers: [.authorization: "bearer \(Self.key)"])
            #expect(asset.status == .created)
            let content = "/v1/assets/\(try #require(try asset.json()["id"] as? String))/content"
            #expect(try await client.status(content, headers: [.authorization: "BEARER \(Self.key)"]) == .ok)

            for header in [
                "Bearer wrong-key-0123456789abcdef", "bearer \(Self.key)x", "Basic \(Self.key)", "Bearer", "Bearer ", Self.key, "Bearer\(Self.key)",
            ] {
                let response = try await client.execute(uri: "/v1/jobs", method: .get, headers: [.authorization: header])
                #expect(response.status == .unauthorized, "\(header)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(header)")
                #expect(try response.json()["code"] as? String == "unauthorized", "\(header)")
            }
            #expect(try await client.status(content, headers: [.authorization: "Bearer wrong-key-0123456789abcdef"]) == .unauthorized)
            // Health, the webhook and signed content stay outside the key.
            #expect(try await client.status("/healthz") == .ok)
            #expect(try await client.status("/metrics") == .ok)
        }
    }

    @Test(
        "the shared bearer parser",
        arguments: [
            ("Bearer abc", "abc"), ("bearer abc", "abc"), ("BEARER abc", "abc"), ("Bearer   abc", "abc"),
            ("Bearer", nil), ("Bearer ", nil), ("Basic abc", nil), ("abc", nil), ("Bearerabc", nil), ("", nil),
        ] as [(String, String?)]
    )
    func bearerToken(header: String, token: String?) {
        let request = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/", headerFields: [.authorization: header]),
            body: .init(buffer: ByteBuffer())
        )
        #expect(APIKeyCheck.bearerToken(request) == token)
    }
}
