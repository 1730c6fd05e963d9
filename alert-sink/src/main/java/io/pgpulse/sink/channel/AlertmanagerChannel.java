package io.pgpulse.sink.channel;

import io.pgpulse.avro.Alert;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Posts alerts to an Alertmanager through its API v2 ({@code POST /api/v2/alerts}).
 * Alertmanager expects its clients to re-post firing alerts regularly, so this channel
 * asks for a resend every {@code resendInterval} and posts the group's whole firing
 * state each time; resolutions carry their {@code endsAt}. Alertmanager then does its
 * own grouping, silencing and routing.
 */
public final class AlertmanagerChannel implements Channel {

    /** Prometheus's default {@code --rules.alert.resend-delay}. */
    public static final Duration DEFAULT_RESEND_INTERVAL = Duration.ofMinutes(1);

    private final String name;
    private final HttpTarget target;
    private final URI alertsUrl;
    private final Duration resendInterval;
    private final String generatorUrl;
    private final Clock clock;

    /**
     * @param target       the Alertmanager's base URL, e.g. {@code http://alertmanager:9093}
     * @param generatorUrl base of the link back to pgpulse, or null
     */
    public AlertmanagerChannel(String name, HttpTarget target, Duration resendInterval, String generatorUrl, Clock clock) {
        this.name = Objects.requireNonNull(name, "name");
        this.target = Objects.requireNonNull(target, "target");
        if (resendInterval == null || resendInterval.isZero() || resendInterval.isNegative()) {
            throw new IllegalArgumentException(name + ": resend_interval must be positive, found: " + resendInterval);
        }
        String base = target.url().toString();
        this.alertsUrl = URI.create((base.endsWith("/") ? base : base + "/") + "api/v2/alerts");
        this.resendInterval = resendInterval;
        this.generatorUrl = generatorUrl;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<Duration> resendInterval() {
        return Optional.of(resendInterval);
    }

    @Override
    public void deliver(Notification notification) throws IOException, InterruptedException {
        Map<String, Alert> alerts = new LinkedHashMap<>();
        notification.firing().forEach(a -> alerts.put(a.getFingerprint(), a));
        notification.changed().forEach(a -> alerts.put(a.getFingerprint(), a));
        if (alerts.isEmpty()) {
            return;
        }
        target.post(alertsUrl, AlertmanagerAlerts.of(alerts.values(), clock.instant(), resendInterval, generatorUrl).toString());
    }
}
