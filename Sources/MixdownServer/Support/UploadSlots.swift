internal import Synchronization

/// Counts transfers under way (uploads, forms, planning that downloads media), so that no more than
/// `limit` run at once.
final class UploadSlots: Sendable {
    private let taken = Mutex(0)
    let limit: Int

    init(limit: Int) { self.limit = max(limit, 1) }

    /// Takes a slot; false when all are taken.
    func take() -> Bool {
        taken.withLock { taken in
            guard taken < limit else { return false }
            taken += 1
            return true
        }
    }

    func give() { taken.withLock { $0 -= 1 } }
}
