package io.pgpulse.sink.routing;

import io.pgpulse.avro.Alert;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerdes;
import io.pgpulse.sink.channel.Channel;
import io.pgpulse.sink.history.HistoryRecorder;
import io.pgpulse.sink.history.HistoryStore;
import io.pgpulse.sink.http.SinkApi;
import io.pgpulse.sink.remediation.RecentCommands;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * The people-facing half of the alert sink: the silence store and the recent commands
 * (and the HTTP API that serves both), one
 * {@link ChannelDelivery} per channel a route names, and the {@link HistoryRecorder}.
 * Each reads the alerts topic with a consumer group of its own, so none waits for
 * another. Closing stops them in reverse order; it is idempotent and also stops what had
 * started when a later start failed.
 */
public final class Notifications implements AutoCloseable {

    /**
     * @param groupPrefix consumer group prefix of this sink; channels get {@code <prefix>-channel-<name>},
     *                    the history {@code <prefix>-history}
     * @param routing     channels and routes, or empty for no channels
     * @param history     the history store, or empty
     * @param apiAddress  where the silence API listens, or empty for none
     */
    public record Settings(String bootstrapServers, String registryUrl, Topics topics, String groupPrefix,
                           Optional<RoutingConfig> routing, Optional<HistoryStore> history,
                           Optional<InetSocketAddress> apiAddress) {
    }

    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private SinkApi api;
    private boolean closed;

    private Notifications() {
    }

    public static Notifications start(Settings settings, Clock clock) {
        Notifications notifications = new Notifications();
        try {
            AvroSerdes serdes = new AvroSerdes(settings.registryUrl());
            SilenceStore silences = SilenceStore.start(settings.bootstrapServers(), settings.topics(), clock);
            notifications.started.push(silences);
            if (settings.apiAddress().isPresent()) {
                RecentCommands commands = new RecentCommands(settings.bootstrapServers(), serdes, settings.topics(),
                        RecentCommands.DEFAULT_LOOKBACK, RecentCommands.DEFAULT_CAPACITY, clock);
                notifications.started.push(commands);
                commands.start();
                notifications.api = SinkApi.start(settings.apiAddress().get(), silences, commands, clock);
                notifications.started.push(notifications.api);
            }
            if (settings.routing().isPresent()) {
                RoutingConfig routing = settings.routing().get();
                for (ChannelSpec spec : routing.routedChannels()) {
                    Channel channel = spec.build(clock);
                    ChannelDelivery delivery = new ChannelDelivery(settings.bootstrapServers(),
                            serdes.deserializer(Alert.class), settings.topics().alerts(), settings.groupPrefix(), channel,
                            routing, silences, clock);
                    notifications.started.push(delivery);
                    delivery.start();
                }
            }
            if (settings.history().isPresent()) {
                HistoryRecorder recorder = new HistoryRecorder(settings.bootstrapServers(), serdes,
                        settings.topics(), settings.groupPrefix(), settings.history().get(), clock);
                notifications.started.push(recorder);
                recorder.start();
            }
            return notifications;
        } catch (IOException e) {
            notifications.close();
            throw new IllegalStateException("cannot open the sink HTTP API on " + settings.apiAddress().orElse(null)
                    + ": " + e.getMessage(), e);
        } catch (SQLException e) {
            notifications.close();
            throw new IllegalStateException("cannot prepare the history store: " + e.getMessage()
                    + " (SQLSTATE " + e.getSQLState() + ")", e);
        } catch (RuntimeException e) {
            notifications.close();
            throw e;
        }
    }

    /** Makes {@code GET /remediation} show {@code view} (when the API runs). */
    public void showRemediation(java.util.function.Supplier<com.fasterxml.jackson.databind.JsonNode> view) {
        if (api != null) {
            api.showRemediation(view);
        }
    }

    /** Where the silence API answers, if it runs. */
    public Optional<URI> apiUrl() {
        return Optional.ofNullable(api).map(SinkApi::url);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        while (!started.isEmpty()) {
            AutoCloseable part = started.pop();
            try {
                part.close();
            } catch (Exception e) {
                org.slf4j.LoggerFactory.getLogger(Notifications.class).error("error while stopping {}: {}", part, e.toString());
            }
        }
    }
}
