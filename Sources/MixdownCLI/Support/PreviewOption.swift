import ArgumentParser
import MixdownPlanner

/// The `--preview START,DURATION` option of run, plan and submit.
enum PreviewOption {
    static func parse(_ text: String?) throws -> PreviewWindow? {
        try text.map { text in
            guard let window = PreviewWindow(argument: text) else { throw ValidationError("--preview takes START,DURATION, e.g. 90,10") }
            return window
        }
    }
}
