import Foundation
import MixdownTestSupport
import Testing

@testable import MixdownJobs

#if canImport(Glibc)
    import Glibc
#endif

@Suite("SQLite set-up lock")
struct FileLockTests {
    @Test("a lock another holder keeps is waited for at most the given time, then named; once free it is taken; the file is the umask's")
    func boundedWait() throws {
        let path = try TestMedia.temporaryDirectory("lock").appendingPathComponent("store.sqlite.lock").path
        #expect(try FileLock.withExclusiveLock(at: path, waitingAtMost: 1) { 7 } == 7)
        var info = stat()
        #expect(stat(path, &info) == 0)
        let umask = umask(0)
        _ = Glibc.umask(umask)
        #expect(info.st_mode & 0o777 == 0o666 & ~umask)

        // flock belongs to an open file description: a second descriptor in this process is another holder.
        let holder = open(path, O_RDWR)
        #expect(holder >= 0 && flock(holder, LOCK_EX) == 0)
        #expect {
            try FileLock.withExclusiveLock(at: path, waitingAtMost: 0.05) {}
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("stayed locked")
        }
        #expect(flock(holder, LOCK_UN) == 0)
        close(holder)
        #expect(try FileLock.withExclusiveLock(at: path, waitingAtMost: 0.05) { true })
    }
}
