package io.pgpulse.sink.channel;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * One place people are told about alerts (a webhook, a Slack channel, an Alertmanager).
 * Each channel is fed by its own consumer (see {@code io.pgpulse.sink.routing.ChannelDelivery}),
 * so a channel that is down holds back only itself.
 */
public interface Channel {

    /** The name routes refer to. */
    String name();

    /**
     * Tells the channel about one notification of one alert group. Throws when the
     * channel did not take it (after its own retries); the caller keeps the events
     * uncommitted and tries again later.
     */
    void deliver(Notification notification) throws IOException, InterruptedException;

    /**
     * How often firing alerts must be sent again, when the receiving end needs that
     * to keep them alive (Alertmanager does); empty when the route's
     * {@code repeat_interval} decides.
     */
    default Optional<Duration> resendInterval() {
        return Optional.empty();
    }
}
