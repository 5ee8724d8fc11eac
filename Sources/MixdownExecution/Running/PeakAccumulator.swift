internal import Foundation

/// Folds a stream of float samples into `points` min/max buckets without holding the stream.
final class PeakAccumulator: @unchecked Sendable {
    private let lock = NSLock()
    private let samplesPerPoint: Int
    private var minimums: [Float]
    private var maximums: [Float]
    private var index = 0
    /// Bytes of a sample split across two reads.
    private var carry: [UInt8] = []

    init(points: Int, totalSamples: Int) {
        samplesPerPoint = max(1, (totalSamples + points - 1) / points)
        minimums = Array(repeating: 0, count: points)
        maximums = Array(repeating: 0, count: points)
    }

    func consume(_ bytes: UnsafeRawBufferPointer) {
        lock.lock()
        defer { lock.unlock() }
        var data = bytes[...]
        if !carry.isEmpty {
            let needed = 4 - carry.count
            carry += data.prefix(needed)
            data = data.dropFirst(needed)
            if carry.count == 4 {
                add(carry.withUnsafeBytes { $0.loadUnaligned(as: Float.self) })
                carry = []
            }
        }
        let whole = data.count / 4 * 4
        data.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: whole, by: 4) { add(raw.loadUnaligned(fromByteOffset: offset, as: Float.self)) }
        }
        carry += data.dropFirst(whole)
    }

    private func add(_ raw: Float) {
        // The document promises -1...1: a hot float file is clamped there, NaN counts as silence.
        let sample = raw.isNaN ? 0 : min(max(raw, -1), 1)
        let bucket = min(index / samplesPerPoint, minimums.count - 1)
        if sample < minimums[bucket] { minimums[bucket] = sample }
        if sample > maximums[bucket] { maximums[bucket] = sample }
        index += 1
    }

    func result() -> [[Double]] {
        lock.lock()
        defer { lock.unlock() }
        return zip(minimums, maximums).map { [(Double($0) * 10_000).rounded() / 10_000, (Double($1) * 10_000).rounded() / 10_000] }
    }
}
