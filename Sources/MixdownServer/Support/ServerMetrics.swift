internal import CoreMetrics
internal import Foundation
internal import Prometheus

/// Prometheus metrics through swift-metrics: Hummingbird's `MetricsMiddleware` records requests, and the
/// scrape adds job counts by status from the store.
enum ServerMetrics {
    static let registry = PrometheusCollectorRegistry()

    /// swift-metrics takes one backend per process; every server in the process shares it.
    static let bootstrap: Void = {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }()

    static var jobs: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "mixdown", metricName: "jobs", unitName: "", helpText: "Jobs in the store by status.")
    }

    static func text(jobCounts: [String: Int]) -> String {
        for (status, count) in jobCounts {
            registry.makeGauge(descriptor: jobs, labels: [("status", status)]).set(Double(count))
        }
        return registry.emitToString()
    }
}
