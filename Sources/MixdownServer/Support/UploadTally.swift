internal import Crypto
internal import Foundation
internal import Hummingbird

/// What an upload's body sequence saw, kept beside it so that it can be read after whoever iterated the
/// sequence returned, rethrew or wrapped an error (storage may wrap what the sequence threw): the problem
/// that stopped the body, if one did, and the SHA-256 of the bytes that passed.
final class UploadTally: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: ProblemDocument?
    private var hash = SHA256()

    /// The first problem recorded: the one that stopped the body.
    var problem: ProblemDocument? { lock.withLock { stored } }

    /// Records `problem` unless one is recorded already, and returns it to be thrown.
    func record(_ problem: ProblemDocument) -> ProblemDocument {
        lock.withLock { if stored == nil { stored = problem } }
        return problem
    }

    func add(_ buffer: ByteBuffer) {
        lock.withLock { buffer.withUnsafeReadableBytes { hash.update(bufferPointer: $0) } }
    }

    /// The SHA-256 of every byte that passed, hex.
    var sha256: String { lock.withLock { hash.finalize().map { String(format: "%02x", $0) }.joined() } }
}
