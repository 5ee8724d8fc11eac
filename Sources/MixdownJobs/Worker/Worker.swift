internal import Foundation
public import Logging
import MixdownStorage
public import ServiceLifecycle

/// Claims jobs from the store and runs up to `MIXDOWN_WORKER_CONCURRENCY` of them at once (one by
/// default: a render takes every core it is given), and delivers jobs' ends to their `notifyUrl`,
/// until asked to stop.
///
/// Wake-up: a job submitted in this process rings ``WakeSignal`` and starts at once; a job submitted by
/// another process changes the store's `PRAGMA data_version`, which the worker reads every 50 ms (it
/// reads no table); the poll interval is the fallback for stores without such a signal. Every poll
/// interval the worker also reaps: jobs past their own type's timeout fail, and jobs whose lease expired
/// are requeued (or failed without attempts left), their orphaned processes on this host killed and
/// their work folders removed.
///
/// A store that fails (locked by another process, unreachable, disk full) never ends the worker: the
/// error is logged and the worker tries again after a backoff that doubles up to 30 s.
public struct Worker: Service {
    public let services: MixdownServices
    /// `host:pid:random`, recorded as the lease owner.
    public let owner: String
    /// Return once nothing is queued or running and no delivery is due (demo and tests) instead of
    /// waiting for more work.
    public var exitWhenIdle: Bool
    public var logger: Logger

    public init(services: MixdownServices, exitWhenIdle: Bool = false, logger: Logger = Logger(label: "mixdown.worker")) {
        self.services = services
        self.exitWhenIdle = exitWhenIdle
        self.logger = logger
        owner = "\(Worker.host):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(6))"
    }

    static let host = ProcessInfo.processInfo.hostName

    public func run() async throws {
        logger.info("worker started", metadata: ["owner": "\(owner)", "store": "\(StoreLocation.redacted(services.configuration.store))"])
        await WorkFolders.sweep(services: services, logger: logger)
        let jobsDone = Flag()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                // Each slot claims and runs its own jobs; the reaper runs beside them, whatever they run,
                // and is ended once every slot has.
                await withTaskGroup(of: Bool.self) { work in
                    let slots = max(services.configuration.workerConcurrency, 1)
                    for _ in 0..<slots {
                        work.addTask {
                            await runJobs()
                            return true
                        }
                    }
                    work.addTask {
                        await reapPeriodically()
                        return false
                    }
                    var ended = 0
                    for await isSlot in work where isSlot {
                        ended += 1
                        if ended == slots { work.cancelAll() }
                    }
                }
                jobsDone.set()
            }
            group.addTask { await deliverNotifications(until: jobsDone) }
        }
        logger.info("worker stopped")
    }

    private var stopping: Bool { Task.isCancelled || Task.isShuttingDownGracefully }

    private func runJobs() async {
        let store = services.store
        let configuration = services.configuration
        var counter = (try? await store.changeCounter()) ?? 0
        var justFinished = true
        var backoff = Backoff()
        while !stopping {
            do {
                // Busy: claim straight away. Woken by a commit: look before taking the write lock.
                let worthClaiming = try await justFinished ? true : store.hasRunnableJob()
                if worthClaiming, let (job, lease) = try await store.claim(owner: owner, leaseSeconds: configuration.leaseSeconds) {
                    backoff.reset()
                    justFinished = true
                    logger.info("claimed", metadata: ["job": "\(job.id)", "type": "\(job.type.rawValue)", "attempt": "\(job.attempts)"])
                    await JobRunner(services: services, logger: logger).run(job, lease: lease)
                    counter = (try? await store.changeCounter()) ?? counter
                    continue
                }
                backoff.reset()
                justFinished = false
                // Running jobs count as work to come: one may be an orphan whose lease the reaper will hand back.
                if exitWhenIdle, try await store.list(type: nil, status: .queued, limit: 1, cursor: nil).jobs.isEmpty,
                    try await store.list(type: nil, status: .running, limit: 1, cursor: nil).jobs.isEmpty
                {
                    logger.info("no queued or running jobs left")
                    return
                }
                counter = await store.waitForChange(since: counter, upTo: configuration.pollSeconds, doorbell: services.wake)
            } catch {
                if stopping { break }
                let delay = backoff.next()
                logger.error("store error; trying again in \(delay) s", metadata: ["error": "\(error)"])
                justFinished = true
                await Self.pause(delay)
            }
        }
    }

    /// Delivers due notifications whenever the store changes; with `exitWhenIdle`, returns once the job
    /// loop has ended and no delivery is due.
    private func deliverNotifications(until jobsDone: Flag) async {
        let store = services.store
        let notifier = JobNotifier(services: services, logger: logger)
        var counter = (try? await store.changeCounter()) ?? 0
        var backoff = Backoff()
        while !stopping {
            do {
                try await notifier.deliverDue()
                backoff.reset()
                if exitWhenIdle && jobsDone.isSet, try await !store.hasDueNotification() { return }
                counter = await store.waitForChange(since: counter, upTo: exitWhenIdle && jobsDone.isSet ? 0.2 : services.configuration.pollSeconds)
            } catch {
                if stopping { break }
                let delay = backoff.next()
                logger.error("notification delivery: store error; trying again in \(delay) s", metadata: ["error": "\(error)"])
                await Self.pause(delay)
            }
        }
    }

    /// Waits `seconds`, or less when the task is cancelled or its service group shuts down. (Not the
    /// store's change counter: commits by others would cut a backoff short.)
    static func pause(_ seconds: Double) async {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(seconds)) }
    }

    /// Every poll interval: jobs past their type's timeout end, expired leases are handed back (their
    /// orphaned processes on this host killed, their work folders removed); hourly, abandoned writes in
    /// storage are aborted. Until cancelled; a store that fails is tried again after a backoff.
    private func reapPeriodically() async {
        var lastStorageSweep = ContinuousClock.now - .seconds(Self.storageSweepSeconds)
        var backoff = Backoff()
        while !stopping {
            do {
                try await reap()
                backoff.reset()
                if ContinuousClock.now - lastStorageSweep >= .seconds(Self.storageSweepSeconds) {
                    lastStorageSweep = .now
                    await abortAbandonedWrites()
                }
                await Self.pause(services.configuration.pollSeconds)
            } catch {
                if stopping { break }
                let delay = backoff.next()
                logger.error("reaper: store error; trying again in \(delay) s", metadata: ["error": "\(error)"])
                await Self.pause(delay)
            }
        }
    }

    private func reap() async throws {
        for job in try await services.store.reap(backoffSeconds: services.configuration.retryBackoffSeconds) {
            logger.warning("reaped", metadata: ["job": "\(job.id)", "reason": "\(job.reason)"])
            Worker.killOrphans(job.processes, jobId: job.id)
        }
        await WorkFolders.sweep(services: services, logger: logger)
    }

    /// How often a worker looks for abandoned writes in storage, and how old one must be: a day, longer
    /// than any upload or output could still be arriving.
    static let storageSweepSeconds: Double = 3600
    static let abandonedWriteSeconds: Double = 86_400

    /// Aborts writes to storage that a killed process left open (a bucket's multipart uploads); a
    /// storage that cannot be reached now is tried again at the next sweep.
    private func abortAbandonedWrites() async {
        do {
            let aborted = try await services.storage.abortAbandonedWrites(olderThanSeconds: Self.abandonedWriteSeconds)
            if aborted > 0 { logger.notice("aborted abandoned writes in storage", metadata: ["count": "\(aborted)"]) }
        } catch {
            logger.warning("could not look for abandoned writes in storage", metadata: ["error": "\(error)"])
        }
    }

    /// Kills the process groups a lost worker on this host left behind, after checking each still
    /// belongs to the job (its command line names the job's work folder), so a reused pid is never hit.
    static func killOrphans(_ processes: String?, jobId: String) {
        guard let processes, let separator = processes.firstIndex(of: "|"), processes[..<separator] == host else { return }
        for pid in processes[processes.index(after: separator)...].split(separator: ",").compactMap({ Int32($0) }) {
            let commandLine = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))).map { String(decoding: $0, as: UTF8.self) } ?? ""
            if commandLine.contains(jobId) { kill(-pid, SIGKILL) }
        }
    }
}

/// Seconds to wait after consecutive failures: 0.5, 1, 2 ... 30.
struct Backoff {
    private var failures = 0

    mutating func next() -> Double {
        failures += 1
        return min(30, 0.25 * Double(1 << min(failures, 8)))
    }

    mutating func reset() { failures = 0 }
}

/// A one-way flag shared between tasks.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
