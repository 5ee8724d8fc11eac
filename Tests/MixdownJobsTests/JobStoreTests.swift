import Foundation
import MixdownJobs
import MixdownRecipe
import MixdownStorage
import Testing

/// The contract every JobStore backend must keep, run against each backend.
@Suite("Job store")
struct JobStoreTests {
    @Test("submitted jobs are durable, sortable and listed newest first with a cursor", arguments: StoreBackend.allCases)
    func submitAndList(backend: StoreBackend) async throws {
        let configuration = try backend.configuration()
        let store = try backend.services(configuration).store
        var ids: [String] = []
        for index in 0..<5 { ids.append(try await store.submit(newJob(index.isMultiple(of: 2) ? .save : .render)).id) }
        #expect(ids == ids.sorted())
        #expect(ids.allSatisfy { Identifier.isValid($0, prefix: "job_") })
        // A second connection (another process would do the same) sees every job.
        let reopened = try backend.services(configuration).store
        let first = try await reopened.list(type: nil, status: nil, limit: 2, cursor: nil)
        #expect(first.jobs.map(\.id) == [ids[4], ids[3]])
        let second = try await reopened.list(type: nil, status: nil, limit: 2, cursor: first.nextCursor)
        #expect(second.jobs.map(\.id) == [ids[2], ids[1]])
        let last = try await reopened.list(type: nil, status: nil, limit: 2, cursor: second.nextCursor)
        #expect(last.jobs.map(\.id) == [ids[0]] && last.nextCursor == nil)
        let renders = try await reopened.list(type: .render, status: .queued, limit: 10, cursor: nil)
        #expect(renders.jobs.map(\.id) == [ids[3], ids[1]])
        #expect(try await reopened.job(id: "job_nope") == nil)
        // The status read is the full record less the recipe, parameters and plan.
        var full = try #require(try await reopened.job(id: ids[0]))
        full.recipe = ""
        full.parameters = JobParameters()
        full.plan = nil
        #expect(try await reopened.status(id: ids[0]) == full)
        // A listing reads what the status read reads, not the recipes.
        #expect(try await reopened.list(type: nil, status: nil, limit: 5, cursor: nil).jobs.last == full)
    }

    @Test("an idempotency key returns the same job for the same request and refuses a different one", arguments: StoreBackend.allCases)
    func idempotency(backend: StoreBackend) async throws {
        let store = try backend.services(try backend.configuration()).store
        let first = try await store.submit(newJob(key: "k1"))
        let again = try await store.submit(newJob(key: "k1"))
        #expect(first.id == again.id)
        await #expect(throws: JobStoreError.idempotencyConflict("k1")) { try await store.submit(newJob(recipe: "other", key: "k1")) }
    }

    @Test("concurrent claims from separate connections take each job exactly once", arguments: StoreBackend.allCases)
    func exclusiveClaims(backend: StoreBackend) async throws {
        let configuration = try backend.configuration()
        let store = try backend.services(configuration).store
        for _ in 0..<60 { _ = try await store.submit(newJob()) }
        let claimed = try await withThrowingTaskGroup(of: [String].self) { group in
            for worker in 0..<6 {
                let connection = try backend.services(configuration).store
                group.addTask {
                    var mine: [String] = []
                    while let (job, lease) = try await connection.claim(owner: "w\(worker)", leaseSeconds: 30) {
                        mine.append(job.id)
                        #expect(try await connection.complete(lease, result: JobResult(outputs: []), assets: []))
                    }
                    return mine
                }
            }
            var all: [String] = []
            for try await ids in group { all += ids }
            return all
        }
        #expect(claimed.count == 60 && Set(claimed).count == 60)
        let done = try await store.list(type: nil, status: .succeeded, limit: 100, cursor: nil)
        #expect(done.jobs.count == 60 && done.jobs.allSatisfy { $0.attempts == 1 })
    }

    @Test("a lost lease fences every write of the old worker", arguments: StoreBackend.allCases)
    func fencing(backend: StoreBackend) async throws {
        let store = try backend.services(try backend.configuration()).store
        let id = try await store.submit(newJob()).id
        let (_, old) = try #require(try await store.claim(owner: "old", leaseSeconds: 0.001))
        // Wait on the store's own clock until the lease has expired and the reaper requeued the job.
        var reaped: [ReapedJob] = []
        while reaped.isEmpty { reaped = try await store.reap(backoffSeconds: 0) }
        #expect(reaped == [ReapedJob(id: id, reason: "requeued", processes: nil)])
        let (job, new) = try #require(try await store.claim(owner: "new", leaseSeconds: 30))
        #expect(job.id == id && job.attempts == 2)
        #expect(try await store.heartbeat(old, leaseSeconds: 30, progress: 0.9, stage: "x", processes: nil) == .lost)
        #expect(try await store.complete(old, result: JobResult(outputs: []), assets: []) == false)
        #expect(try await store.fail(old, error: JobError(code: .internal, message: "x"), retry: false, backoffSeconds: 0) == false)
        #expect(try await store.heartbeat(new, leaseSeconds: 30, progress: 0.5, stage: "render", processes: nil) == .active(cancelRequested: false))
        #expect(try await store.job(id: id)?.progress == 0.5)
        #expect(try await store.complete(new, result: JobResult(outputs: []), assets: []))
        #expect(try await store.job(id: id)?.status == .succeeded)
    }

    @Test("without attempts left an expired lease fails the job with worker-lost", arguments: StoreBackend.allCases)
    func attemptsRunOut(backend: StoreBackend) async throws {
        let store = try backend.services(try backend.configuration()).store
        let id = try await store.submit(newJob(maxAttempts: 2)).id
        for attempt in 1...2 {
            let (job, _) = try #require(try await store.claim(owner: "w", leaseSeconds: 0.001))
            #expect(job.attempts == attempt)
            var reaped: [ReapedJob] = []
            while reaped.isEmpty { reaped = try await store.reap(backoffSeconds: 0) }
        }
        let job = try #require(try await store.job(id: id))
        #expect(job.status == .failed && job.error?.code == .workerLost)
        #expect(try await store.claim(owner: "w", leaseSeconds: 1) == nil)
    }

    @Test("the reaper applies each job's own type limit: a preview times out while an older save lives", arguments: StoreBackend.allCases)
    func timeoutsPerType(backend: StoreBackend) async throws {
        let store = try backend.services(try backend.configuration()).store
        let save = try await store.submit(newJob(.save, timeout: 900)).id
        let preview = try await store.submit(newJob(.preview, timeout: 0.05)).id
        _ = try #require(try await store.claim(owner: "a", leaseSeconds: 60))
        _ = try #require(try await store.claim(owner: "b", leaseSeconds: 60))
        var reaped: [ReapedJob] = []
        while reaped.isEmpty { reaped = try await store.reap(backoffSeconds: 0) }
        #expect(reaped.map(\.id) == [preview])
        let timedOut = try #require(try await store.job(id: preview))
        #expect(timedOut.status == .failed && timedOut.error?.code == .timeout)
        #expect(timedOut.error?.message.contains("preview job ran past its 0 s limit") == true)
        #expect(try await store.job(id: save)?.status == .running)
    }

    @Test("a cancel requested while the worker died ends the job cancelled, not requeued", arguments: StoreBackend.allCases)
    func cancelWithLostWorker(backend: StoreBackend) async throws {
        let store = try backend.services(try backend.configuration()).store
        let id = try await store.submit(newJob()).id
        _ = try #require(try await store.claim(owner: "doomed", leaseSeconds: 0.001))
        _ = try await store.cancel(id: id)
        var reaped: [ReapedJob] = []
        while reaped.isEmpty { reaped = try await store.reap(backoffSeconds: 0) }
        #expect(reaped.map(\.reason) == ["cancelled"])
        #expect(try await store.job(id: id)?.status == .cancelled)
        #expect(try await store.claim(owner: "next", leaseSeconds: 30) == nil)
    }

    @Test("cancel ends a queued job at once and reaches a running one through its heartbeat", arguments: StoreBackend.allCases)
    func cancel(backend: StoreBackend) async throws {
        let store = try backend.services(try backend.configuration()).store
        let running = try await store.submit(newJob()).id
        let queued = try await store.submit(newJob()).id
        let (_, lease) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
        #expect(try await store.cancel(id: queued)?.status == .cancelled)
        let flagged = try #require(try await store.cancel(id: running))
        #expect(flagged.status == .running && flagged.cancelRequested)
        #expect(try await store.heartbeat(lease, leaseSeconds: 30, progress: nil, stage: nil, processes: nil) == .active(cancelRequested: true))
        #expect(try await store.markCancelled(lease))
        #expect(try await store.job(id: running)?.status == .cancelled)
        #expect(try await store.cancel(id: "job_missing") == nil)
    }

    @Test("failures retry with backoff only when asked and attempts remain; retry requeues a failed job", arguments: StoreBackend.allCases)
    func failAndRetry(backend: StoreBackend) async throws {
        let store = try backend.services(try backend.configuration()).store
        let id = try await store.submit(newJob()).id
        let (_, lease) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
        #expect(try await store.fail(lease, error: JobError(code: .downloadFailed, message: "x"), retry: true, backoffSeconds: 30))
        let waiting = try #require(try await store.job(id: id))
        #expect(waiting.status == .queued && waiting.error?.code == .downloadFailed)
        #expect(try await store.claim(owner: "w", leaseSeconds: 30) == nil, "backoff keeps it out of reach")

        let other = try await store.submit(newJob()).id
        let (_, second) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
        #expect(try await store.fail(second, error: JobError(code: .ffmpegFailed, message: "x"), retry: false, backoffSeconds: 0))
        #expect(try await store.job(id: other)?.status == .failed)
        let retried = try #require(try await store.retry(id: other))
        #expect(retried.status == .queued && retried.attempts == 0 && retried.error == nil)
        await #expect(throws: JobStoreError.self) { try await store.retry(id: other) }
    }

    @Test("release hands a job back without counting the attempt", arguments: StoreBackend.allCases)
    func release(backend: StoreBackend) async throws {
        let store = try backend.services(try backend.configuration()).store
        let id = try await store.submit(newJob()).id
        let (_, lease) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
        #expect(try await store.release(lease))
        let job = try #require(try await store.job(id: id))
        #expect(job.status == .queued && job.attempts == 0)
    }

    @Test("assets are stored with their job's result in one transaction", arguments: StoreBackend.allCases)
    func assets(backend: StoreBackend) async throws {
        let store = try backend.services(try backend.configuration()).store
        let id = try await store.submit(newJob()).id
        let (_, lease) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
        let asset = Asset(
            id: Identifier.make(prefix: "ast_", milliseconds: 1),
            key: try StorageKey("jobs/\(id)/out.wav"),
            name: "out.wav",
            contentType: "audio/wav",
            bytes: 10,
            durationSeconds: 1.5,
            sha256: String(repeating: "0", count: 64),
            jobId: id
        )
        let output = JobOutput(
            name: "out",
            key: asset.key,
            contentType: "audio/wav",
            bytes: 10,
            durationSeconds: 1.5,
            sha256: asset.sha256,
            assetId: asset.id
        )
        #expect(try await store.complete(lease, result: JobResult(outputs: [output]), assets: [asset]))
        let stored = try #require(try await store.asset(id: asset.id))
        #expect(stored.key == asset.key && stored.jobId == id && stored.createdAt > 0)
        #expect(try await store.job(id: id)?.result?.outputs == [output])
    }

    @Test("a failure records its rejected outputs' assets in the same transaction, and none once the lease is lost", arguments: StoreBackend.allCases)
    func failureAssets(backend: StoreBackend) async throws {
        let store = try backend.services(try backend.configuration()).store
        let id = try await store.submit(newJob(maxAttempts: 1)).id
        func asset(_ name: String) throws -> Asset {
            Asset(
                id: Identifier.make(prefix: "ast_", milliseconds: 1),
                key: try StorageKey("jobs/\(id)/\(name)"),
                name: name,
                contentType: "audio/mpeg",
                bytes: 10,
                durationSeconds: 1,
                sha256: String(repeating: "1", count: 64),
                jobId: id
            )
        }
        let (_, lease) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
        let kept = try asset("out.rejected.mp3")
        var error = JobError(code: .expectationFailed, message: "integrated loudness -16.0 LUFS is outside [-10.0, -9.0]")
        error.rejected = [
            JobOutput(name: "out", key: kept.key, contentType: kept.contentType, bytes: 10, durationSeconds: 1, sha256: kept.sha256, assetId: kept.id)
        ]
        #expect(try await store.fail(lease, error: error, retry: false, backoffSeconds: 0, assets: [kept]))
        #expect(try await store.asset(id: kept.id)?.jobId == id)
        let failed = try #require(try await store.job(id: id))
        #expect(failed.status == .failed && failed.error == error && failed.result == nil)
        // The same lease again (a worker that lost it): nothing is written, not even the asset rows.
        let late = try asset("late.rejected.mp3")
        #expect(try await store.fail(lease, error: error, retry: false, backoffSeconds: 0, assets: [late]) == false)
        #expect(try await store.asset(id: late.id) == nil)
    }

    @Test("another connection's commit moves the change counter", arguments: StoreBackend.allCases)
    func changeSignal(backend: StoreBackend) async throws {
        let configuration = try backend.configuration()
        let watcher = try backend.services(configuration).store
        let writer = try backend.services(configuration).store
        let before = try await watcher.changeCounter()
        #expect(try await watcher.changeCounter() == before)
        _ = try await writer.submit(newJob())
        #expect(try await watcher.changeCounter() != before)
    }
}

@Suite("Job state machine")
struct JobStateMachineTests {
    @Test("only the documented transitions are allowed")
    func transitions() {
        var allowed: [String] = []
        for transition in JobTransition.allCases {
            for status in JobStatus.allCases {
                if let next = transition.apply(to: status) { allowed.append("\(transition.rawValue): \(status.rawValue) -> \(next.rawValue)") }
            }
        }
        #expect(
            allowed == [
                "claim: queued -> running", "succeed: running -> succeeded", "fail: running -> failed", "requeue: running -> queued",
                "cancel: queued -> cancelled", "cancel: running -> cancelled", "retry: failed -> queued", "retry: cancelled -> queued",
            ]
        )
        #expect(JobStatus.allCases.filter(\.isFinal) == [.succeeded, .failed, .cancelled])
    }
}

@Suite("Job store: remote render reports")
struct RemoteReportStoreTests {
    @Test("a report reaches only the dispatching lease, its result once; none while cancelling or after a requeue", arguments: StoreBackend.allCases)
    func reports(backend: StoreBackend) async throws {
        let store = try backend.services(try backend.configuration()).store
        let id = try await store.submit(newJob(.render)).id
        #expect(try await store.recordRemoteResult(jobId: id, dispatch: "nobody", result: "{}") == false, "a queued job takes no report")
        let (_, lease) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
        #expect(try await store.remoteReport(jobId: id, dispatch: lease.token) == nil)
        #expect(try await store.recordRemoteProgress(jobId: id, dispatch: lease.token, progress: 0.25))
        #expect(try await store.remoteReport(jobId: id, dispatch: lease.token) == RemoteReport(progress: 0.25, result: nil))
        #expect(try await store.recordRemoteResult(jobId: id, dispatch: "stale-dispatch", result: "{\"a\":1}") == false)
        #expect(try await store.recordRemoteResult(jobId: id, dispatch: lease.token, result: "{\"a\":1}"))
        // Once in, the result stays: a repeated callback and a late progress report change nothing.
        #expect(try await store.recordRemoteResult(jobId: id, dispatch: lease.token, result: "{\"a\":2}") == false)
        #expect(try await store.recordRemoteProgress(jobId: id, dispatch: lease.token, progress: 0.5) == false)
        #expect(try await store.remoteReport(jobId: id, dispatch: lease.token) == RemoteReport(progress: 0.25, result: "{\"a\":1}"))

        // A job being cancelled takes no report; released and claimed again, the old dispatch's reports
        // do not reach the new run, though it has the same attempt number.
        let second = try await store.submit(newJob(.render)).id
        let (_, first) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
        #expect(first.jobId == second)
        _ = try await store.cancel(id: second)
        #expect(try await store.recordRemoteResult(jobId: second, dispatch: first.token, result: "{}") == false)
        #expect(try await store.recordRemoteProgress(jobId: second, dispatch: first.token, progress: 0.1) == false)
        let third = try await store.submit(newJob(.render)).id
        let (_, before) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
        #expect(before.jobId == third)
        #expect(try await store.release(before))
        let (_, after) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
        #expect(after.jobId == third && after.token != before.token)
        #expect(try await store.recordRemoteResult(jobId: third, dispatch: before.token, result: "{}") == false)
        #expect(try await store.remoteReport(jobId: third, dispatch: after.token) == nil)
    }

    @Test("a batch's jobs commit together, carry its id and names, are listed, counted and cancelled as one", arguments: StoreBackend.allCases)
    func batches(backend: StoreBackend) async throws {
        let configuration = try backend.configuration()
        let store = try backend.services(configuration).store
        let outside = try await store.submit(newJob())
        let jobs = (1...250).map { index in
            var job = newJob()
            job.batchItem = "ep\(index)"
            return job
        }
        let upload = Asset(
            id: Identifier.make(prefix: "ast_", milliseconds: 5),
            key: try StorageKey("uploads/batch/in.wav"),
            name: "in.wav",
            contentType: "audio/wav",
            bytes: 44,
            durationSeconds: nil,
            sha256: String(repeating: "b", count: 64),
            jobId: nil
        )
        let batch = try await store.submitBatch(recipeName: "clip.yaml", jobs: jobs, uploads: [upload])
        #expect(Identifier.isValid(batch.id, prefix: "bat_"))
        // The uploads' records commit with the batch.
        #expect(try await store.upload(sha256: upload.sha256, bytes: 44)?.id == upload.id)
        #expect(batch.total == 250 && batch.queued == 250 && batch.running == 0 && !batch.isFinished && batch.recipeName == "clip.yaml")
        await #expect(throws: JobStoreError.badBatchSize(0)) { try await store.submitBatch(recipeName: "x", jobs: []) }

        // Another connection sees every job of it, in submission order, each with its name; no other job.
        let reopened = try backend.services(configuration).store
        var listed: [Job] = []
        var cursor: String?
        repeat {
            let page = try await reopened.list(type: nil, status: nil, batch: batch.id, limit: 100, cursor: cursor)
            listed += page.jobs
            cursor = page.nextCursor
        } while cursor != nil
        #expect(listed.count == 250 && !listed.contains { $0.id == outside.id })
        #expect(listed.reversed().map(\.batchItem) == jobs.map(\.batchItem))
        #expect(listed.allSatisfy { $0.batchId == batch.id })
        #expect(try await reopened.status(id: listed[0].id)?.batchItem == "ep250")

        // One runs and succeeds, one runs on; cancelling ends the queued ones and flags the running one.
        let (_, done) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
        #expect(done.jobId == outside.id)
        #expect(try await store.complete(done, result: JobResult(outputs: []), assets: []))
        let (first, finished) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
        #expect(first.batchId == batch.id && first.batchItem == "ep1")
        #expect(try await store.complete(finished, result: JobResult(outputs: []), assets: []))
        let (_, running) = try #require(try await store.claim(owner: "w", leaseSeconds: 30))
        let cancelled = try #require(try await reopened.cancelBatch(id: batch.id))
        #expect(cancelled.succeeded == 1 && cancelled.running == 1 && cancelled.cancelled == 248 && cancelled.queued == 0)
        #expect(try await store.heartbeat(running, leaseSeconds: 30, progress: nil, stage: nil, processes: nil) == .active(cancelRequested: true))
        #expect(try await store.markCancelled(running))
        let ended = try #require(try await store.batch(id: batch.id))
        #expect(ended.isFinished && ended.cancelled == 249 && ended.succeeded == 1 && ended.total == 250)
        #expect(try await store.job(id: outside.id)?.status == .succeeded)
        #expect(try await store.batch(id: "bat_nope") == nil)
        #expect(try await store.cancelBatch(id: "bat_nope") == nil)
    }

    @Test("an upload is found again by its content; outputs and other bytes are not", arguments: StoreBackend.allCases)
    func uploadsByContent(backend: StoreBackend) async throws {
        let store = try backend.services(try backend.configuration()).store
        let sha = String(repeating: "a", count: 64)
        func asset(_ key: String, bytes: Int, jobId: String? = nil, milliseconds: UInt64) throws -> Asset {
            Asset(
                id: Identifier.make(prefix: "ast_", milliseconds: milliseconds),
                key: try StorageKey(key),
                name: "x.wav",
                contentType: "audio/wav",
                bytes: bytes,
                durationSeconds: nil,
                sha256: sha,
                jobId: jobId
            )
        }
        #expect(try await store.upload(sha256: sha, bytes: 10) == nil)
        let job = try await store.submit(newJob())
        try await store.addAsset(try asset("jobs/\(job.id)/x.wav", bytes: 10, jobId: job.id, milliseconds: 1))
        #expect(try await store.upload(sha256: sha, bytes: 10) == nil, "a job's output is not an upload")
        let first = try asset("uploads/a/x.wav", bytes: 10, milliseconds: 2)
        try await store.addAsset(first)
        try await store.addAsset(try asset("uploads/b/x.wav", bytes: 10, milliseconds: 3))
        #expect(try await store.upload(sha256: sha, bytes: 10)?.id == first.id)
        #expect(try await store.upload(sha256: sha, bytes: 11) == nil)
    }
}
