package io.pgpulse.sink.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HttpTargetTest {

    @Test
    void endpointThatNeverAnswersFailsAfterTheTimeoutOfEachAttempt() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            try {
                release.await(60, TimeUnit.SECONDS);
                exchange.sendResponseHeaders(204, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        });
        server.start();
        try {
            HttpTarget target = new HttpTarget("slow", URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/"),
                    Duration.ofMillis(300), 2);
            assertThatThrownBy(() -> target.post("{}"))
                    .isInstanceOf(IOException.class)
                    .hasMessageStartingWith("slow: http://127.0.0.1:")
                    .hasMessageContaining("failed after 2 attempts");
            // Each attempt reached the server; on a busy machine the second may be counted after the client gave up.
            await().atMost(Duration.ofSeconds(30)).until(() -> requests.get() == 2);
            assertThat(requests.get()).isEqualTo(2);
        } finally {
            release.countDown();
            server.stop(0);
        }
    }

    @Test
    void settingsAreCheckedOnEntry() {
        URI url = URI.create("http://127.0.0.1:1/");
        assertThatThrownBy(() -> new HttpTarget("x", URI.create("ftp://h/"), Duration.ofSeconds(1), 1))
                .hasMessage("x: url must be http or https, found: ftp://h/");
        assertThatThrownBy(() -> new HttpTarget("x", url, Duration.ZERO, 1)).hasMessageContaining("timeout must be positive");
        assertThatThrownBy(() -> new HttpTarget("x", url, Duration.ofSeconds(1), 0)).hasMessageContaining("attempts must be at least 1");
    }
}
