internal import Foundation
import MixdownExecution

/// Settings the CLI reads from the environment (documented in `.env.example`).
enum Settings {
    static func inputLimits(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> InputLimits {
        var limits = InputLimits()
        if let bytes = environment["MIXDOWN_MAX_DOWNLOAD_BYTES"].flatMap(Int.init), bytes > 0 { limits.maximumBytes = bytes }
        if let seconds = environment["MIXDOWN_MAX_DURATION_SECONDS"].flatMap(Double.init), seconds > 0 { limits.maximumDurationSeconds = seconds }
        return limits
    }
}
