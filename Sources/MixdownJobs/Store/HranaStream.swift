/// A stream that lives across HTTP requests: the server hands back a baton with each answer, and the
/// next request presents it to reach the same connection, so a transaction begun in one request can
/// end in a later one. sqld rolls back and drops a stream nobody continues within its expiry.
struct HranaStream {
    let client: HranaClient
    private var baton: String?
    /// Where the stream's next request goes (a server may redirect a stream to the node that holds it).
    private var base: String
    private(set) var isClosed = false
    private var begun = false

    init(client: HranaClient) {
        self.client = client
        base = client.baseURL
    }

    /// Runs `statements` in order, each only when the one before it succeeded (a batch), and returns
    /// their results; the first error is thrown. The stream stays open. The first request of a stream
    /// begins the transaction (`BEGIN IMMEDIATE`, so it holds the write lock from its first statement).
    mutating func batch(_ statements: [HranaStatement]) async throws -> [HranaResult] {
        try await run(statements, then: [], close: false)
    }

    /// Runs `statements` then `COMMIT`, each only if everything before it succeeded, and closes the
    /// stream; when anything failed the transaction is rolled back in the same request, so no partial
    /// write commits. Returns the statements' results, or throws the first error. Called first, it
    /// makes the whole transaction one request.
    mutating func commit(_ statements: [HranaStatement] = []) async throws -> [HranaResult] {
        try await run(statements + [HranaStatement("COMMIT")], then: [HranaStatement("ROLLBACK")], close: true).dropLast().map { $0 }
    }

    /// Rolls back and closes, as far as the server can still be reached; sqld rolls back a stream that
    /// expires in any case.
    mutating func rollback() async {
        guard !isClosed else { return }
        isClosed = true
        guard let baton else { return }
        _ = try? await client.sendInTransaction(
            PipelineRequest(baton: baton, requests: [.execute(HranaStatement("ROLLBACK")), .close]),
            to: base
        )
    }

    /// Sends one batch on the stream: `BEGIN IMMEDIATE` first if the transaction has not begun, then
    /// `statements` chained on success, then `fallback` when the last of them did not succeed. Returns the
    /// results of `statements`.
    private mutating func run(_ statements: [HranaStatement], then fallback: [HranaStatement], close: Bool) async throws -> [HranaResult] {
        guard !isClosed else { throw HranaError(code: "STREAM_CLOSED", message: "the transaction has already ended") }
        let all = (begun ? [] : [HranaStatement("BEGIN IMMEDIATE")]) + statements
        var steps = all.enumerated().map { index, statement in
            BatchStep(stmt: statement, condition: index == 0 ? nil : .ok(step: index - 1))
        }
        for statement in fallback { steps.append(BatchStep(stmt: statement, condition: .not(.ok(step: all.count - 1)))) }
        let response: PipelineResponse
        do {
            response = try await client.sendInTransaction(
                PipelineRequest(baton: baton, requests: [.batch(steps)] + (close ? [.close] : [])),
                to: base
            )
        } catch {
            // Whatever happened to the stream, the server rolls it back when it expires.
            isClosed = true
            throw error
        }
        begun = true
        baton = response.baton
        if let next = response.baseURL, !next.isEmpty { base = next.hasSuffix("/") ? String(next.dropLast()) : next }
        if close || baton == nil { isClosed = true }
        guard let first = response.results.first else { throw HranaError.badResponse("no result for the batch") }
        switch first {
        case .error(let error):
            throw error
        case .ok(.batch(let results, let errors)):
            var ran: [HranaResult] = []
            for step in all.indices {
                if errors.indices.contains(step), let error = errors[step] { throw error }
                guard results.indices.contains(step), let result = results[step] else {
                    throw HranaError.badResponse("batch step \(step) did not run")
                }
                ran.append(result)
            }
            return Array(ran.dropFirst(all.count - statements.count))
        case .ok:
            throw HranaError.badResponse("a batch request answered with another type")
        }
    }
}
