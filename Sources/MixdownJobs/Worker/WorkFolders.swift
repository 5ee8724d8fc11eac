internal import Foundation
public import Logging

/// The temporary folders jobs and uploads use on this host, and the sweeps that remove what a killed
/// process left behind (partial downloads, half-encoded outputs, half-received upload bodies).
public enum WorkFolders {
    /// The folder for one store's jobs: workers of different stores on one host never judge each other's
    /// folders (a job unknown to one store may be running in another).
    static func jobsRoot(store: String) -> String {
        // FNV-1a: a stable name for the store, not a secret.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in store.utf8 {
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

    /// A new folder for one request's upload bodies, named after this process so a sweep can tell
    /// whether its owner is still alive.
    public static func makeUploadFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(uploadPrefix)\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Removes upload folders whose server process is gone (killed mid-upload); returns how many.
    @discardableResult
    public static func sweepUploads(logger: Logger = Logger(label: "mixdown")) -> Int {
        let root = FileManager.default.temporaryDirectory.path
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: root) else { return 0 }
        var removed = 0
        for name in names where name.hasPrefix(uploadPrefix) {
            let rest = name.dropFirst(uploadPrefix.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = Int32(rest[..<dash]) else { continue }
            // ESRCH: no such process. A live pid (ours or another server's) keeps its folders.
            if kill(pid, 0) == 0 || errno != ESRCH { continue }
            if (try? FileManager.default.removeItem(atPath: "\(root)/\(name)")) != nil { removed += 1 }
        }
        if removed > 0 { logger.notice("removed \(removed) upload folder(s) left by a stopped server") }
        return removed
    }
}
