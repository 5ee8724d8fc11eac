internal import Foundation
public import Logging

/// The temporary folders jobs and uploads use on this host, and the sweeps that remove what a killed
/// process left behind (partial downloads, half-encoded outputs, half-received upload bodies).
public enum WorkFolders {
    /// The folder for one store's jobs: workers of different stores on one host never judge each other's
    /// folders (a job unknown to one store may be running in another).
    public static func jobsRoot(store: String) -> String {
        // The store's real location, so the same relative setting in two folders names two stores.
        var identity = store
        if store.hasPrefix("sqlite:") || !store.contains("://") {
            let path = store.hasPrefix("sqlite:") ? String(store.dropFirst("sqlite:".count)) : store
            // The folder is resolved, not the file: the database may not exist yet.
            let file = URL(fileURLWithPath: path).standardizedFileURL
            let folder = file.deletingLastPathComponent().resolvingSymlinksInPath()
            identity = "sqlite:" + folder.appendingPathComponent(file.lastPathComponent).path
        }
        // FNV-1a: a stable name for the store, not a secret.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in identity.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let name = String(hash, radix: 16)
        return FileManager.default.temporaryDirectory.appendingPathComponent("mixdown-jobs/\(name)").path
    }

    /// A job attempt's folder: the lease token's tail tells a live attempt's folder from a dead one's.
    static func job(_ jobId: String, leaseToken: String, store: String) -> String {
        "\(jobsRoot(store: store))/\(jobId)-\(leaseToken.suffix(8))"
    }

    /// Removes this store's job folders whose attempt no longer holds its lease (ended, reaped or
    /// re-leased), whichever worker on this host made them.
    static func sweep(services: MixdownServices, logger: Logger) async {
        let jobsRoot = jobsRoot(store: services.configuration.store)
        let store = services.store
        // List before reading the leases: a folder made after a claim committed is then always matched
        // by that claim's lease.
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: jobsRoot), !names.isEmpty else { return }
        guard let leases = try? await store.runningLeases() else { return }
        for name in names {
            guard let dash = name.lastIndex(of: "-") else { continue }
            let jobId = String(name[..<dash]), suffix = name[name.index(after: dash)...]
            if let token = leases[jobId], token.hasSuffix(suffix) { continue }
            if (try? FileManager.default.removeItem(atPath: "\(jobsRoot)/\(name)")) != nil {
                logger.notice("removed a dead attempt's work folder", metadata: ["folder": "\(name)"])
            }
        }
    }

    static let uploadPrefix = "mixdown-upload-"

    /// This process as `PID.START`: the start time (Linux: clock ticks since boot, from `/proc`) tells a
    /// live owner from a new process that got the same pid, a restarted container's PID 1 among them.
    static let processTag: String = {
        let pid = ProcessInfo.processInfo.processIdentifier
        return "\(pid).\(startTime(of: pid) ?? "0")"
    }()

    static func startTime(of pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name, which may hold spaces; starttime is field 22 of the line.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? String(fields[19]) : nil
    }

    /// A new folder for one request's upload bodies (or a plan's scratch files), named after this
    /// process so a sweep can tell whether its owner is still alive.
    public static func makeUploadFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(uploadPrefix)\(processTag)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Whether the process a tag names is gone: no such pid, or a pid now held by a later process.
    static func isGone(_ tag: Substring) -> Bool {
        let parts = tag.split(separator: ".", maxSplits: 1)
        guard let pid = parts.first.flatMap({ Int32($0) }), pid > 0 else { return false }
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        guard parts.count == 2, let now = startTime(of: pid) else { return false }
        return parts[1] != "0" && parts[1] != now
    }

    /// Removes upload folders whose server process is gone (killed mid-upload); returns how many.
    @discardableResult
    public static func sweepUploads(logger: Logger = Logger(label: "mixdown")) -> Int {
        let root = FileManager.default.temporaryDirectory.path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(uploadPrefix) {
            let rest = name.dropFirst(uploadPrefix.count)
            guard let dash = rest.firstIndex(of: "-"), isGone(rest[..<dash]) else { continue }
            if (try? FileManager.default.removeItem(atPath: "\(root)/\(name)")) != nil { removed += 1 }
        }
        if removed > 0 { logger.notice("removed \(removed) upload folder(s) left by a stopped server") }
        return removed
    }
}
