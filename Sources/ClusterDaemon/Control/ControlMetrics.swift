import ClusterCore
import Prometheus
import Synchronization

/// The daemon's Prometheus metrics: gauges refreshed from the supervisor's status at each scrape, counters
/// advanced from the PBS client's cumulative counters, histograms fed by every tick.
final class ControlMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let tickDuration: DurationHistogram
    private let qstatDuration: DurationHistogram
    /// Label sets published last scrape, so jobs that disappear drop to 0 rather than linger.
    private let published = Mutex<Set<[String]>>([])
    /// The PBS counters as last published (Prometheus counters only go up: publish the difference).
    private let lastStats = Mutex(PBSClientStats())

    init() {
        let buckets: [Duration] = [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                   .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
                                   .seconds(30)]
        tickDuration = registry.makeDurationHistogram(
            descriptor: Self.name("tick_duration_seconds",
                                  "Time of one supervisor tick: qstat, reconciling and the qsub/qdel it led to."),
            buckets: buckets)
        qstatDuration = registry.makeDurationHistogram(
            descriptor: Self.name("qstat_duration_seconds", "Time of the one qstat per tick."), buckets: buckets)
    }

    /// Records one tick.
    func recordTick(_ timing: TickTiming) {
        tickDuration.record(timing.total)
        qstatDuration.record(timing.query)
    }

    /// The exposition text.
    func render(statuses: [ClusterStatus], stats: PBSClientStats, subscribers: Int) -> String {
        var current: [[String]: Double] = [:]
        for status in statuses {
            for role in status.roles {
                for job in role.jobs {
                    current[[status.cluster, role.role.rawValue, job.state], default: 0] += 1
                }
                let labels = [("cluster", status.cluster), ("role", role.role.rawValue)]
                registry.makeGauge(descriptor: Self.name("restarts", "Restarts after jobs ended, per role."),
                                   labels: labels).set(Double(role.restarts))
                registry.makeGauge(descriptor: Self.name("role_failed",
                                                         "1 while the role is held failed (start limit hit)."),
                                   labels: labels).set(role.hold?.kind == .failed ? 1.0 : 0.0)
            }
            registry.makeGauge(descriptor: Self.name("cluster_stale",
                                                     "1 while qstat fails and job states are the last known ones."),
                               labels: [("cluster", status.cluster)]).set(status.stale ? 1.0 : 0.0)
        }
        published.withLock { seen in
            for labels in seen.union(current.keys) {
                registry.makeGauge(descriptor: Self.name("jobs", "Jobs by cluster, role and PBS state."), labels: [
                    ("cluster", labels[0]), ("role", labels[1]), ("state", labels[2]),
                ]).set(current[labels] ?? 0)
            }
            seen.formUnion(current.keys)
        }
        lastStats.withLock { last in
            advance("qstat_calls_total", "qstat runs.", stats.qstatCalls - last.qstatCalls)
            advance("qstat_failures_total", "qstat runs that failed.",
                    stats.qstatFailures - last.qstatFailures)
            advance("qsub_calls_total", "qsub runs.", stats.qsubCalls - last.qsubCalls)
            advance("qsub_failures_total", "qsub runs that failed.", stats.qsubFailures - last.qsubFailures)
            advance("qdel_calls_total", "qdel runs.", stats.qdelCalls - last.qdelCalls)
            advance("qdel_failures_total", "qdel runs that failed.", stats.qdelFailures - last.qdelFailures)
            last = stats
        }
        registry.makeGauge(descriptor: Self.name("event_followers", "Clients following the event stream."))
            .set(Double(subscribers))
        return registry.emitToString()
    }

    private func advance(_ name: String, _ help: String, _ delta: Int) {
        registry.makeCounter(descriptor: Self.name(name, help)).increment(by: Int64(max(delta, 0)))
    }

    private static func name(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "clusterd", metricName: name, unitName: "", helpText: help)
    }
}
