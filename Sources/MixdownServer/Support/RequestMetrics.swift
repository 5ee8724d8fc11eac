internal import Foundation
internal import Hummingbird

/// Request counts and latency sums by route and status, rendered in the Prometheus text format.
final class RequestMetrics: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    private var seconds: [String: Double] = [:]
    private let started = Date()

    func record(method: String, route: String, status: Int, duration: Double) {
        let labels = "method=\"\(method)\",route=\"\(route)\",status=\"\(status)\""
        lock.withLock {
            counts[labels, default: 0] += 1
            seconds[labels, default: 0] += duration
        }
    }

    func prometheusText() -> String {
        lock.withLock {
            var lines = [
                "# HELP mixdown_http_requests_total HTTP requests by route and status.",
                "# TYPE mixdown_http_requests_total counter",
            ]
            for (labels, count) in counts.sorted(by: { $0.key < $1.key }) { lines.append("mixdown_http_requests_total{\(labels)} \(count)") }
            lines += ["# HELP mixdown_http_request_seconds_total Time spent answering, by route and status.", "# TYPE mixdown_http_request_seconds_total counter"]
            for (labels, total) in seconds.sorted(by: { $0.key < $1.key }) {
                lines.append("mixdown_http_request_seconds_total{\(labels)} \(String(format: "%.6f", total))")
            }
            lines += [
                "# HELP mixdown_uptime_seconds Seconds since the server started.", "# TYPE mixdown_uptime_seconds gauge",
                "mixdown_uptime_seconds \(String(format: "%.0f", Date().timeIntervalSince(started)))",
            ]
            return lines.joined(separator: "\n") + "\n"
        }
    }
}

/// Counts every request under its route pattern (not its raw path, which would explode the label set).
struct MetricsCountingMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: RequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            metrics.record(method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: status, duration: seconds)
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as any HTTPResponseError {
            status = error.status.code
            throw error
        }
    }
}
