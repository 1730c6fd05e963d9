package io.pgpulse.registry;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A schema registry speaking Confluent's REST API for Avro schemas, stored in the compacted
 * Kafka topic {@code _schemas}, served by the JDK's HTTP server on 127.0.0.1.
 *
 * <p>It reads the whole topic at start, so a restarted registry on the same broker answers with
 * the same ids. It is the embedded runtime's registry, for the demo and the tests; a production
 * deployment may point the services at another Confluent-compatible registry instead. Several
 * instances may serve one topic: ids are claimed through the log and the first claim wins
 * ({@link SchemaCatalog} explains how). Compatibility is BACKWARD unless configured otherwise.
 */
public final class SchemaRegistryServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final Duration STORE_TIMEOUT = Duration.ofSeconds(30);
    private static final int REQUEST_THREADS = 4;
    private static final int BACKLOG = 64;
    /** The default listening address: this machine only. */
    public static final String LOOPBACK = "127.0.0.1";

    private final HttpServer http;
    private final ExecutorService requests;
    private final SchemasTopic topic;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SchemaRegistryServer(HttpServer http, ExecutorService requests, SchemasTopic topic) {
        this.http = http;
        this.requests = requests;
        this.topic = topic;
    }

    /**
     * Loads {@code _schemas} from {@code bootstrapServers} (creating the topic if missing) and
     * starts serving on 127.0.0.1.
     *
     * @param port the port to listen on, 0 for a free one
     */
    public static SchemaRegistryServer start(String bootstrapServers, int port) throws IOException {
        return start(bootstrapServers, LOOPBACK, port);
    }

    /**
     * Loads {@code _schemas} from {@code bootstrapServers} (creating the topic if missing) and
     * starts serving on {@code host}.
     *
     * @param host the address to listen on ({@value #LOOPBACK}, or {@code 0.0.0.0} for every interface)
     * @param port the port to listen on, 0 for a free one
     */
    public static SchemaRegistryServer start(String bootstrapServers, String host, int port) throws IOException {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        SchemaCatalog catalog = new SchemaCatalog();
        SchemasTopic topic = SchemasTopic.open(bootstrapServers, catalog, STORE_TIMEOUT);
        ExecutorService requests = requestExecutor();
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), BACKLOG);
        } catch (IOException | RuntimeException e) {
            requests.shutdownNow();
            topic.close();
            throw e;
        }
        http.createContext("/", new RegistryRoutes(catalog, new SchemaRegistrar(catalog, topic, STORE_TIMEOUT)));
        http.setExecutor(requests);
        http.start();
        SchemaRegistryServer server = new SchemaRegistryServer(http, requests, topic);
        LOG.info("Schema registry at {} on {} (highest schema id so far: {})", server.url(), bootstrapServers,
                catalog.maxId());
        return server;
    }

    /** {@code http://HOST:PORT} (loopback when listening on every interface), without a trailing slash. */
    public String url() {
        InetSocketAddress address = http.getAddress();
        String host = address.getAddress().isAnyLocalAddress() ? LOOPBACK : address.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Stops serving and closes the Kafka clients. Safe to call twice. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // 0: do not wait for idle keep-alive connections; requests in flight have finished or fail.
        http.stop(0);
        requests.shutdown();
        try {
            if (!requests.awaitTermination(5, TimeUnit.SECONDS)) {
                requests.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            requests.shutdownNow();
        }
        topic.close();
    }

    private static ExecutorService requestExecutor() {
        AtomicInteger threads = new AtomicInteger();
        return new ThreadPoolExecutor(REQUEST_THREADS, REQUEST_THREADS, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), runnable -> {
                    Thread thread = new Thread(runnable, "schema-registry-http-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }
}
