internal import Foundation
import MixdownExecution

/// A one-line progress bar on standard error, redrawn at most ten times a second.
final class ProgressBar: @unchecked Sendable {
    private let lock = NSLock()
    private let label: String
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(label: String) {
        self.label = label
    }

    func update(_ event: ExecutionEvent) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        if event.kind == .measured, let message = event.message {
            clear()
            Console.error("  measured \(message)")
        }
        guard event.kind != .progress || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let width = 30
        // Progress comes from ffmpeg's reports over a probed duration: keep a NaN or a runaway value from
        // trapping the conversions below.
        let progress = event.progress.isFinite ? min(max(event.progress, 0), 1) : 0
        let filled = Int((progress * Double(width)).rounded())
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let text = String(format: "\r%@ %@ %3d%%  %@", label, bar, Int(progress * 100), event.stage)
        FileHandle.standardError.write(Data((text + "\u{1B}[K").utf8))
        drawn = true
    }

    func finish() {
        lock.lock()
        clear()
        lock.unlock()
    }

    private func clear() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        drawn = false
    }
}
