package io.pgpulse.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.pgpulse.launcher.config.PgpulseConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pgpulse silence add|list|delete}: silences through the alert sink's HTTP API. */
@Command(name = "silence",
        description = {
                "Mutes alerts for a while, through the alert sink's HTTP API (sink.api_listen in the configuration).",
                "",
                "A silence has label matchers (alertname, severity, source, object and the source's tags, in "
                        + "Alertmanager's syntax: name=\"value\", name!=\"value\", name=~\"regex\", name!~\"regex\") and "
                        + "an end. Every sink instance applies it; it is kept on the <prefix>.silences.v1 topic.",
                ""},
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        subcommands = {SilenceCommand.Add.class, SilenceCommand.ListSilences.class, SilenceCommand.Delete.class})
final class SilenceCommand implements Runnable {

    private static final ObjectMapper JSON = new ObjectMapper();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Where the sink's API is; shared by the subcommands. */
    static final class Api {
        @Option(names = "--api", paramLabel = "URL", defaultValue = "http://" + PgpulseConfig.DEFAULT_API_LISTEN,
                description = "The alert sink's HTTP API (default: ${DEFAULT-VALUE}).")
        URI url;

        HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
            try {
                return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                        .send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            } catch (ConnectException e) {
                throw new IOException("no alert sink answers at " + url + " (is `pgpulse up` running, and is "
                        + "sink.api_listen set to that address?)", e);
            }
        }

        URI resolve(String path) {
            String base = url.toString();
            return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
        }
    }

    @Command(name = "add", description = "Creates a silence and prints its id.", mixinStandardHelpOptions = true)
    static final class Add implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Api api;

        @Option(names = {"-m", "--matcher"}, required = true, paramLabel = "MATCHER",
                description = "A label matcher, e.g. 'source=\"pg-01/app\"' (repeat for more; all must match).")
        List<String> matchers;

        @Option(names = {"-d", "--duration"}, paramLabel = "DURATION",
                description = "How long, e.g. 30m, 2h, 1d (default 1h unless --until is given).")
        String duration;

        @Option(names = "--until", paramLabel = "INSTANT", description = "When it ends, ISO-8601, e.g. 2026-11-26T06:00:00Z.")
        String until;

        @Option(names = {"-c", "--comment"}, description = "Why (shown with the silence).", defaultValue = "")
        String comment;

        @Option(names = "--author", description = "Who (default: the user name).")
        String author;

        @Override
        public Integer call() throws Exception {
            ObjectNode body = JSON.createObjectNode();
            matchers.forEach(m -> body.withArray("matchers").add(m));
            if (until != null) {
                body.put("endsAt", until);
            }
            if (duration != null || until == null) {
                body.put("duration", duration == null ? "1h" : duration);
            }
            body.put("createdBy", author == null ? System.getProperty("user.name") : author);
            body.put("comment", comment);
            return report(api.send(HttpRequest.newBuilder(api.resolve("/silences"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))), 201, System.out, response -> {
                        JsonNode silence = JSON.readTree(response);
                        System.out.println(silence.path("id").asText());
                        System.err.println("silenced until " + silence.path("endsAt").asText() + ": "
                                + silence.path("matchers"));
                    });
        }
    }

    @Command(name = "list", description = "Lists the silences with their state.", mixinStandardHelpOptions = true)
    static final class ListSilences implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Api api;

        @Override
        public Integer call() throws Exception {
            return report(api.send(HttpRequest.newBuilder(api.resolve("/silences")).GET()), 200, System.out, response -> {
                JsonNode silences = JSON.readTree(response);
                System.out.printf("%-36s  %-8s  %-24s  %-10s  %s%n", "ID", "STATE", "ENDS", "BY", "MATCHERS / COMMENT");
                for (JsonNode s : silences) {
                    System.out.printf("%-36s  %-8s  %-24s  %-10s  %s%s%n", s.path("id").asText(), s.path("state").asText(),
                            s.path("endsAt").asText(), s.path("createdBy").asText(), s.path("matchers"),
                            s.path("comment").asText().isEmpty() ? "" : "  " + s.path("comment").asText());
                }
            });
        }
    }

    @Command(name = "delete", description = "Deletes a silence: its alerts are told again.", mixinStandardHelpOptions = true)
    static final class Delete implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        Api api;

        @Parameters(paramLabel = "ID", description = "The silence's id (see `pgpulse silence list`).")
        String id;

        @Override
        public Integer call() throws Exception {
            return report(api.send(HttpRequest.newBuilder(api.resolve("/silences/"
                    + URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20"))).DELETE()), 204, System.out,
                    response -> System.out.println("deleted silence " + id));
        }
    }

    private interface Body {
        void accept(String body) throws IOException;
    }

    private static int report(HttpResponse<String> response, int expected, PrintStream out, Body onSuccess) throws IOException {
        if (response.statusCode() == expected) {
            onSuccess.accept(response.body());
            out.flush();
            return 0;
        }
        String message = response.body();
        try {
            JsonNode error = JSON.readTree(message);
            if (error.hasNonNull("error")) {
                message = error.get("error").asText();
            }
        } catch (IOException e) {
            // Not JSON: show the body as it came.
            message = response.body();
        }
        System.err.println("pgpulse silence: the sink answered HTTP " + response.statusCode() + ": " + message);
        return 1;
    }
}
