import Foundation
import MixdownTestSupport
import Testing

@testable import MixdownJobs

/// The Hrana client against a real sqld, and its decoding of odd answers.
@Suite("libSQL Hrana client")
struct LibSQLHranaTests {
    @Test("values travel both ways with their types: 64-bit integers as strings, floats, text, blobs, NULL")
    func valuesRoundTrip() async throws {
        let server = try LibSQLTestServer.start()
        let client = HranaClient(baseURL: server.url, authToken: nil)
        let values: [HranaValue] = [
            .integer(Int64.max), .integer(Int64.min), .float(1.5), .float(-0.0), .text("ünï \"q\" 🎚\n"), .blob([0, 255, 1, 2, 3]), .blob([]), .null,
        ]
        let result = try await client.execute(HranaStatement("SELECT ?, ?, ?, ?, ?, ?, ?, ?", values), idempotent: true)
        #expect(result.rows == [values])
        #expect(result.columns.count == values.count)
    }

    @Test("a statement's error carries sqld's code and message, and the statements after it still run")
    func statementErrors() async throws {
        let server = try LibSQLTestServer.start()
        let client = HranaClient(baseURL: server.url, authToken: nil)
        let results = try await client.execute([HranaStatement("SELEC 1"), HranaStatement("SELECT 2")])
        guard case .failure(let error) = try #require(results.first) else {
            Issue.record("the bad statement succeeded")
            return
        }
        #expect(error.code == "SQL_PARSE_ERROR" && error.message.contains("SELEC"))
        #expect(try results[1].get().rows == [[.integer(2)]])
    }

    @Test("a response past the size bound is refused, not buffered")
    func boundedResponse() async throws {
        let server = try LibSQLTestServer.start()
        let client = HranaClient(baseURL: server.url, authToken: nil, maximumResponseBytes: 4096)
        _ = try await client.execute(HranaStatement("SELECT hex(randomblob(100))"))
        await #expect(throws: HranaError(code: "RESPONSE_TOO_LARGE", message: "the response passed 4096 bytes")) {
            _ = try await client.execute(HranaStatement("SELECT hex(randomblob(10000))"))
        }
    }

    @Test("an unreachable server is an error naming it")
    func unreachable() async throws {
        let port = try LibSQLTestServer.freeLoopbackPort()
        let client = HranaClient(baseURL: "http://127.0.0.1:\(port)", authToken: nil, requestTimeoutSeconds: 2)
        let read = await #expect(throws: HranaError.self) { _ = try await client.execute(HranaStatement("SELECT 1"), idempotent: true) }
        #expect(read?.code == "UNREACHABLE" && read?.message.contains("127.0.0.1:\(port)") == true)
        let write = await #expect(throws: HranaError.self) { _ = try await client.execute(HranaStatement("UPDATE x SET y = 1")) }
        #expect(write?.code == "UNREACHABLE")
    }

    @Test("a transaction that is not committed leaves nothing; a failed statement in the commit rolls back the rest")
    func transactions() async throws {
        let server = try LibSQLTestServer.start()
        let client = HranaClient(baseURL: server.url, authToken: nil)
        _ = try await client.execute(HranaStatement("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        let abandoned: Bool = try await client.transaction { stream in
            _ = try await stream.batch([HranaStatement("INSERT INTO t VALUES (1, 'a')")])
            return true
        }
        #expect(abandoned)
        await #expect(throws: HranaError.self) {
            try await client.transaction { stream in
                _ = try await stream.batch([HranaStatement("INSERT INTO t VALUES (2, 'b')")])
                // The second insert breaks the primary key: COMMIT must not run.
                _ = try await stream.commit([HranaStatement("INSERT INTO t VALUES (3, 'c')"), HranaStatement("INSERT INTO t VALUES (3, 'd')")])
            }
        }
        _ = try await client.transaction { stream in try await stream.commit([HranaStatement("INSERT INTO t VALUES (4, 'e')")]) }
        #expect(try await client.execute(HranaStatement("SELECT id FROM t ORDER BY id")).rows == [[.integer(4)]])
    }

    @Test(
        "odd answers throw instead of trapping",
        arguments: [
            #"{"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[[{"type":"integer","value":"9223372036854775808"}]]}}}]}"#,
            #"{"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[[{"type":"integer","value":12}]]}}}]}"#,
            #"{"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[[{"type":"decimal","value":"1"}]]}}}]}"#,
            #"{"results":[{"type":"ok","response":{"type":"execute","result":{"cols":[],"rows":[[{"type":"blob","base64":"!!"}]]}}}]}"#,
            #"{"results":[{"type":"maybe"}]}"#,
            #"{"results":{}}"#,
            #"[]"#,
        ]
    )
    func oddAnswers(json: String) {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(PipelineResponse.self, from: Data(json.utf8)) }
    }

    @Test("a row read as a job names the column that does not fit")
    func oddRows() throws {
        let result = try JSONDecoder().decode(
            HranaResult.self,
            from: Data(#"{"cols":[{"name":"id"},{"name":"attempts"}],"rows":[[{"type":"null"},{"type":"text","value":"x"}]]}"#.utf8)
        )
        let row = try #require(result.firstRow)
        #expect(throws: JobRowError.self) { try row.string("id") }
        #expect(throws: JobRowError.self) { try row.int("attempts") }
        #expect(throws: JobRowError.self) { try row.job() }
        #expect(row["missing"] == nil)
    }

    @Test("store URLs: libsql:// is TLS, a token may ride in the URL, other schemes are refused")
    func urls() throws {
        #expect(try LibSQLJobStore.endpoint("libsql://db-org.turso.io").base == "https://db-org.turso.io")
        #expect(try LibSQLJobStore.endpoint("http://127.0.0.1:8080/").base == "http://127.0.0.1:8080")
        let withToken = try LibSQLJobStore.endpoint("libsql://db.example?authToken=abc")
        #expect(withToken.base == "https://db.example" && withToken.token == "abc")
        #expect(throws: HranaError.self) { try LibSQLJobStore.endpoint("ftp://x") }
        #expect(throws: HranaError.self) { try LibSQLJobStore.endpoint("libsql://") }
        let configuration = try MixdownConfiguration.fromEnvironment([
            "TURSO_DATABASE_URL": "libsql://db.example", "TURSO_AUTH_TOKEN": "secret",
        ])
        #expect(configuration.store == "libsql://db.example" && configuration.storeAuthToken == "secret")
        #expect(try MixdownServices.make(configuration).store is LibSQLJobStore)
        #expect(throws: MixdownConfiguration.Problem.self) { try MixdownConfiguration.fromEnvironment(["MIXDOWN_STORE": "ftp://x"]) }
    }
}
