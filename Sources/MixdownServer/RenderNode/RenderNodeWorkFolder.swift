internal import Foundation

/// A render node's work folder: `mixdown-render-node-XXXXXX` in the temporary directory, made with
/// `mkdtemp` (mode 0700: inputs are other people's media), holding an `owner` file the node keeps locked
/// (`flock`) for as long as it lives. A node killed outright leaves its folder, and the kernel drops its
/// lock; the next node to start on the machine removes the folders whose lock it can take.
public final class RenderNodeWorkFolder: Sendable {
    static let prefix = "mixdown-render-node-"

    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Makes a fresh folder in `parent`, locked by this process; nil when it cannot.
    public static func make(in parent: String) -> RenderNodeWorkFolder? {
        var template = Array("\(parent)/\(prefix)XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { return nil }
        let folder = String(cString: made)
        let descriptor = open("\(folder)/owner", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            if descriptor >= 0 { close(descriptor) }
            try? FileManager.default.removeItem(atPath: folder)
            return nil
        }
        return RenderNodeWorkFolder(path: folder, descriptor: descriptor)
    }

    /// Removes the folder and gives up its lock.
    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
        close(descriptor)
    }

    /// Removes the work folders in `parent` whose owner no longer holds its lock; returns how many. A
    /// folder without an owner file is left alone: it may be another node's, a moment before it makes one.
    @discardableResult
    public static func sweep(in parent: String) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []
        var removed = 0
        for name in names where name.hasPrefix(prefix) {
            let folder = "\(parent)/\(name)"
            let descriptor = open("\(folder)/owner", O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
            guard descriptor >= 0 else { continue }
            defer { close(descriptor) }
            // Held: a live node's. Taken: its owner is gone (the lock goes with the process).
            guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { continue }
            if (try? FileManager.default.removeItem(atPath: folder)) != nil { removed += 1 }
        }
        return removed
    }
}
