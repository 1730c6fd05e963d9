package io.pgpulse.sink.history;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The history store's SQL, read from the resource files beside this class. */
final class HistorySql {

    static final String SCHEMA = load("schema.sql");
    static final String INSERT_ALERT_EVENT = load("insert-alert-event.sql");
    static final String INSERT_COMMAND = load("insert-command.sql");
    static final String INSERT_COMMAND_RESULT = load("insert-command-result.sql");
    static final String ALERT_EVENTS = load("alert-events.sql");
    static final String PURGE = load("purge.sql");

    private HistorySql() {
    }

    private static String load(String name) {
        try (InputStream in = HistorySql.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " beside " + HistorySql.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }
}
