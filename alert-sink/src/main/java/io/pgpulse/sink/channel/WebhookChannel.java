package io.pgpulse.sink.channel;

import io.pgpulse.avro.Alert;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts every alert event as JSON ({@link AlertJson}) to one URL. A failed post is
 * retried with doubling backoff; after the last attempt the failure is thrown, so
 * the caller does not commit the event and it is delivered again later.
 */
public final class WebhookChannel {

    private static final Logger log = LoggerFactory.getLogger(WebhookChannel.class);

    private final URI url;
    private final Duration timeout;
    private final int attempts;
    private final HttpClient http;

    public WebhookChannel(URI url, Duration timeout, int attempts) {
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
            throw new IllegalArgumentException("webhook url must be http or https, found: " + url);
        }
        this.url = url;
        this.timeout = timeout;
        this.attempts = attempts;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    public URI url() {
        return url;
    }

    public void send(Alert alert) throws IOException, InterruptedException {
        String body = AlertJson.of(alert).toString();
        long backoffMs = 200;
        for (int attempt = 1; ; attempt++) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(url)
                        .timeout(timeout)
                        .header("Content-Type", "application/json")
                        .header("User-Agent", "pgpulse-alert-sink")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 == 2) {
                    return;
                }
                throw new IOException("webhook " + url + " answered HTTP " + response.statusCode());
            } catch (IOException e) {
                if (attempt >= attempts) {
                    throw new IOException("webhook " + url + " failed after " + attempts + " attempts: " + e.getMessage(), e);
                }
                log.warn("webhook {}: attempt {} of {} failed: {}; retrying in {} ms", url, attempt, attempts,
                        e.getMessage(), backoffMs);
                Thread.sleep(backoffMs);
                backoffMs = Math.min(backoffMs * 2, 10_000);
            }
        }
    }
}
