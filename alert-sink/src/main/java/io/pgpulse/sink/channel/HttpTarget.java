package io.pgpulse.sink.channel;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP endpoint a channel posts JSON to: each request has the channel's timeout, a
 * failed post (no answer, or an answer that is not 2xx) is retried with doubling
 * backoff, and after the last attempt the failure is thrown so that the events stay
 * uncommitted and come back later.
 */
public final class HttpTarget {

    /** First pause between two attempts; it doubles up to {@link #MAX_BACKOFF_MS}. */
    public static final long FIRST_BACKOFF_MS = 200;
    public static final long MAX_BACKOFF_MS = 10_000;

    private static final Logger log = LoggerFactory.getLogger(HttpTarget.class);

    private final String channel;
    private final URI url;
    private final Duration timeout;
    private final int attempts;
    private final HttpClient http;

    /**
     * @param channel  the channel's name, for messages
     * @param url      http or https URL
     * @param timeout  per request (connect and answer)
     * @param attempts tries per delivery, at least 1
     */
    public HttpTarget(String channel, URI url, Duration timeout, int attempts) {
        this.channel = Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(url, "url");
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
            throw new IllegalArgumentException(channel + ": url must be http or https, found: " + url);
        }
        if (timeout == null || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException(channel + ": timeout must be positive, found: " + timeout);
        }
        if (attempts < 1) {
            throw new IllegalArgumentException(channel + ": attempts must be at least 1, found: " + attempts);
        }
        this.url = url;
        this.timeout = timeout;
        this.attempts = attempts;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public URI url() {
        return url;
    }

    /** Posts {@code json} to {@code target} (this URL or one below it), retrying as the class says. */
    public void post(URI target, String json) throws IOException, InterruptedException {
        long backoffMs = FIRST_BACKOFF_MS;
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(target)
                        .timeout(timeout)
                        .header("Content-Type", "application/json")
                        .header("User-Agent", "pgpulse-alert-sink")
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 == 2) {
                    return;
                }
                throw new IOException("HTTP " + response.statusCode() + " " + abbreviate(response.body()));
            } catch (IOException e) {
                if (attempt >= attempts) {
                    throw new IOException(channel + ": " + target + " failed after " + attempts + " attempts: "
                            + e.getMessage(), e);
                }
                log.warn("{}: {} attempt {} of {} failed: {}; retrying in {} ms", channel, target, attempt, attempts,
                        e.getMessage(), backoffMs);
                Thread.sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
            }
        }
    }

    public void post(String json) throws IOException, InterruptedException {
        post(url, json);
    }

    private static String abbreviate(String body) {
        String oneLine = body == null ? "" : body.strip().replace('\n', ' ');
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }
}
