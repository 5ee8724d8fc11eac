internal import Foundation

/// `mixdown batch --json`: one JSON object per line on standard output as runs start and end, then a
/// summary, for programs that follow a batch.
struct BatchEvents: Sendable {
    let enabled: Bool

    struct Event: Encodable, Sendable {
        var event: String
        var name: String?
        var file: String?
        var status: String?
        var seconds: Double?
        var outputs: [String]?
        var error: String?
        var passed: Int?
        var failed: Int?
        var skipped: Int?

        init(event: String, name: String? = nil, file: String? = nil, passed: Int? = nil, failed: Int? = nil, skipped: Int? = nil) {
            self.event = event
            self.name = name
            self.file = file
            self.passed = passed
            self.failed = failed
            self.skipped = skipped
        }

        /// A run's end.
        init(_ entry: BatchReport.Entry) {
            event = "end"
            name = entry.name
            file = entry.file
            status = entry.status.rawValue
            seconds = (entry.seconds * 1000).rounded() / 1000
            outputs = entry.outputs
            error = entry.error
        }
    }

    func emit(_ event: Event) {
        guard enabled else { return }
        Console.json(event, pretty: false)
    }
}
