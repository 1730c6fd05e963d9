package io.pgpulse.collector.target;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Loads the collector's own queries (not metric groups) from the .sql files beside this class. */
final class SqlResource {

    static final String EXTENSION_INSTALLED = load("extension-installed.sql");
    static final String DATABASES = load("databases.sql");

    private SqlResource() {
    }

    static String load(String name) {
        try (InputStream in = SqlResource.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing SQL resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
