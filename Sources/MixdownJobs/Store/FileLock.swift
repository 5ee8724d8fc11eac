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
        var path: String
        var code: Int32
        var description: String { "cannot lock \(path): \(String(cString: strerror(code)))" }
    }

    static func withExclusiveLock<T>(at path: String, _ body: () throws -> T) throws -> T {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(path: path, code: errno) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw Failure(path: path, code: errno) }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
