package io.pgpulse.sink.routing;

import io.pgpulse.sink.channel.AlertmanagerChannel;
import io.pgpulse.sink.channel.Channel;
import io.pgpulse.sink.channel.HttpTarget;
import io.pgpulse.sink.channel.SlackChannel;
import io.pgpulse.sink.channel.WebhookChannel;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * One channel as the routing file declares it; {@link #build} makes the working channel.
 *
 * @param name           what routes call it
 * @param kind           webhook, slack or alertmanager
 * @param url            where to post (for Alertmanager: its base URL)
 * @param timeout        per HTTP request, default {@link #DEFAULT_TIMEOUT}
 * @param attempts       tries per delivery before the channel counts as down for a while, default {@value #DEFAULT_ATTEMPTS}
 * @param slackChannel   Slack only: channel override, or null
 * @param runbookUrl     Slack only: link template with {@code {{alertname}}}, or null
 * @param resendInterval Alertmanager only: how often firing alerts are posted again
 * @param generatorUrl   Alertmanager only: base of the link back to pgpulse, or null
 */
public record ChannelSpec(String name, Kind kind, URI url, Duration timeout, int attempts, String slackChannel,
                          String runbookUrl, Duration resendInterval, String generatorUrl) {

    public enum Kind { WEBHOOK, SLACK, ALERTMANAGER }

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_ATTEMPTS = 5;

    public ChannelSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(url, "url");
    }

    public static ChannelSpec webhook(String name, URI url) {
        return new ChannelSpec(name, Kind.WEBHOOK, url, DEFAULT_TIMEOUT, DEFAULT_ATTEMPTS, null, null, null, null);
    }

    public Channel build(Clock clock) {
        HttpTarget target = new HttpTarget(name, url, timeout, attempts);
        return switch (kind) {
            case WEBHOOK -> new WebhookChannel(name, target);
            case SLACK -> new SlackChannel(name, target, slackChannel, runbookUrl);
            case ALERTMANAGER -> new AlertmanagerChannel(name, target,
                    resendInterval == null ? AlertmanagerChannel.DEFAULT_RESEND_INTERVAL : resendInterval, generatorUrl, clock);
        };
    }
}
