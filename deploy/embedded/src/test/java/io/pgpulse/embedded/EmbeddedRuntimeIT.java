package io.pgpulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedRuntimeIT {

    @TempDir
    Path stateDirectory;

    @Test
    void runsExactlyOnceStreamsAndServesTheRegistry() throws Exception {
        try (EmbeddedRuntime runtime = EmbeddedRuntime.start()) {
            assertThat(runtime.bootstrapServers()).isEqualTo(runtime.kafka().bootstrapServers());
            assertThat(runtime.registryUrl()).isEqualTo(runtime.registry().url());
            HttpResponse<String> subjects = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(runtime.registryUrl() + "/subjects")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(subjects.statusCode()).isEqualTo(200);
            assertThat(subjects.body()).isEqualTo("[]");

            runtime.kafka().createTopic("words", 1, Map.of());
            runtime.kafka().createTopic("shouted", 1, Map.of());
            Properties config = streamsConfig(runtime);
            StreamsBuilder builder = new StreamsBuilder();
            builder.stream("words", Consumed.with(Serdes.String(), Serdes.String()))
                    .mapValues(word -> word.toUpperCase(Locale.ROOT), Named.as("shout"))
                    .to("shouted", Produced.with(Serdes.String(), Serdes.String()));
            try (KafkaStreams streams = new KafkaStreams(builder.build(config), config)) {
                streams.start();
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(runtime))) {
                    producer.send(new ProducerRecord<>("words", "1", "hello"));
                    producer.send(new ProducerRecord<>("words", "2", "world"));
                }
                List<String> shouted = new ArrayList<>();
                try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(runtime))) {
                    consumer.subscribe(List.of("shouted"));
                    await().atMost(Duration.ofSeconds(60)).until(() -> {
                        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                            shouted.add(record.value());
                        }
                        return shouted.size() >= 2;
                    });
                }
                assertThat(shouted).containsExactly("HELLO", "WORLD");
                streams.close(Duration.ofSeconds(10));
            }
        }
    }

    private Properties streamsConfig(EmbeddedRuntime runtime) {
        Properties config = new Properties();
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "embedded-runtime-it");
        config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers());
        config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        config.put(StreamsConfig.STATE_DIR_CONFIG, stateDirectory.toString());
        config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "100");
        // Recommended by Kafka 4.4 (the default from 5.0); it still logs one warning regardless.
        config.put("processing.exception.handler.global.enabled", "true");
        return config;
    }

    private static Properties producerConfig(EmbeddedRuntime runtime) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return config;
    }

    private static Properties consumerConfig(EmbeddedRuntime runtime) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "embedded-runtime-it-reader");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return config;
    }
}
