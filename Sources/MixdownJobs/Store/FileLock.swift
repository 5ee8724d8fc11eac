#if canImport(Glibc)
    internal import Glibc
#else
    internal import Darwin
#endif

/// An exclusive `flock(2)` on a file of its own, held by this process across a block: how processes
/// opening one SQLite file take turns at set-up. The kernel drops it if the process dies.
///
/// A file beside the database, never the database itself: closing any descriptor of the database would
/// drop SQLite's own POSIX locks on it.
enum FileLock {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `body` holding the lock, waiting for it at most `seconds` (another process set up the store
    /// then, or is stopped while holding it: the error names the file).
    static func withExclusiveLock<T>(at path: String, waitingAtMost seconds: Double, _ body: () throws -> T) throws -> T {
        // Readable and writable by whoever may use the database (the umask decides); a user who may only
        // read it can still lock through a read-only descriptor.
        var descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        if descriptor < 0 && errno == EACCES { descriptor = open(path, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        let attempts = Int(min(max(seconds, 0), 3600) * 100) + 1
        var attempt = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            guard code == EWOULDBLOCK || code == EINTR else { throw Failure(description: "cannot lock \(path): \(String(cString: strerror(code)))") }
            attempt += 1
            guard attempt < attempts else {
                throw Failure(description: "\(path) stayed locked for \(seconds) s: another mixdown process is opening this store, or is stopped")
            }
            usleep(10_000)
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
