import Foundation
import MixdownServer
import MixdownTestSupport
import Testing
import Yams

@Suite("OpenAPI contract")
struct OpenAPIContractTests {
    @Test("Schemas/openapi.yaml describes exactly the routes the real router serves")
    func routesMatchDocument() throws {
        let text = try String(contentsOf: TestMedia.repositoryRoot.appendingPathComponent("Schemas/openapi.yaml"), encoding: .utf8)
        let document = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: Any])
        var documented = Set<String>()
        for (path, item) in paths {
            for key in (item as? [String: Any] ?? [:]).keys where ["get", "post", "put", "delete", "patch"].contains(key) {
                documented.insert("\(key.uppercased()) \(path)")
            }
        }
        // Read back from the router the server runs, not from a second table.
        let served = Set(try APIHarness().api.routes.map(\.description))
        #expect(served.count > 20, "the router lists its routes")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
    }
}
