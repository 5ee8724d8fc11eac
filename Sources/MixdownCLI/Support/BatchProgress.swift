internal import Foundation

/// The whole batch on one line of standard error (done, failed, running, ETA), kept below the per-run
/// lines: a line printed through ``line(_:)`` clears the bar, prints, and draws it again.
final class BatchProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let started = Date()
    private var done = 0
    private var failed = 0
    private var running = 0
    private let draws: Bool

    /// - Parameter draws: whether to draw the bar (a terminal); lines are printed either way.
    init(total: Int, draws: Bool) {
        self.total = total
        self.draws = draws
    }

    func started(_ count: Int = 1) {
        lock.withLock {
            running += count
            redraw()
        }
    }

    /// One run ended: its line is printed above the bar.
    func ended(failed didFail: Bool, line text: String) {
        lock.withLock {
            running = max(running - 1, 0)
            done += 1
            if didFail { failed += 1 }
            clear()
            Console.error(text)
            redraw()
        }
    }

    /// Sets the counts from elsewhere (a batch followed in the store).
    func set(done: Int, failed: Int, running: Int) {
        lock.withLock {
            (self.done, self.failed, self.running) = (done, failed, running)
            redraw()
        }
    }

    func finish() {
        lock.withLock { clear() }
    }

    /// `[██████░░░░]  12/40 done, 1 failed, 2 running, ETA 0:31`.
    static func text(total: Int, done: Int, failed: Int, running: Int, elapsed: Double) -> String {
        let width = 24
        let fraction = total > 0 ? min(max(Double(done) / Double(total), 0), 1) : 1
        let filled = Int((fraction * Double(width)).rounded())
        var text = "[" + String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled) + "]"
        text += "  \(done)/\(total) done, \(failed) failed, \(running) running"
        if done > 0, done < total, elapsed.isFinite {
            let remaining = min(elapsed / Double(done) * Double(total - done), 359_999)
            text += String(format: ", ETA %d:%02d", Int(remaining) / 60, Int(remaining) % 60)
        }
        return text
    }

    private func redraw() {
        guard draws else { return }
        let line = Self.text(total: total, done: done, failed: failed, running: running, elapsed: Date().timeIntervalSince(started))
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
    }

    private func clear() {
        if draws { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
