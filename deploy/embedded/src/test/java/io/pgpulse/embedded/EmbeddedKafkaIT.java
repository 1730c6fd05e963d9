package io.pgpulse.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaIT {

    @Test
    void transactionalWritesAreReadBackByReadCommittedConsumer() throws IOException {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("orders", 2, Map.of("cleanup.policy", "delete"));
            kafka.createTopic("orders", 2, Map.of()); // exists already: no error

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(kafka))) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("orders", "k1", "aborted"));
                producer.abortTransaction();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("orders", "k1", "one"));
                producer.send(new ProducerRecord<>("orders", "k2", "two"));
                producer.commitTransaction();
            }

            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(kafka))) {
                consumer.subscribe(List.of("orders"));
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        values.add(record.value());
                    }
                    return values.size() >= 2;
                });
            }
            assertThat(values).containsExactlyInAnyOrder("one", "two");
        }
    }

    @Test
    void stoppedBrokerComesBackOnTheSamePortWithItsRecords() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
            kafka.createTopic("kept", 1, Map.of());
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(kafka))) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("kept", "k", "before"));
                producer.commitTransaction();
            }
            String address = kafka.bootstrapServers();
            kafka.stop();
            assertThat(kafka.isRunning()).isFalse();
            kafka.resume();
            assertThat(kafka.isRunning()).isTrue();
            assertThat(kafka.bootstrapServers()).isEqualTo(address);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(kafka))) {
                producer.initTransactions();
                producer.beginTransaction();
                producer.send(new ProducerRecord<>("kept", "k", "after"));
                producer.commitTransaction();
            }
            List<String> values = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig(kafka))) {
                consumer.subscribe(List.of("kept"));
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                        values.add(record.value());
                    }
                    return values.size() >= 2;
                });
            }
            assertThat(values).containsExactly("before", "after");
        }
    }

    @Test
    void closeReleasesThePortAndIsIdempotent() throws IOException {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        int port = Integer.parseInt(kafka.bootstrapServers().substring(kafka.bootstrapServers().lastIndexOf(':') + 1));
        assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + port);

        kafka.close();
        kafka.close();

        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
    }

    private static Properties producerConfig(EmbeddedKafka kafka) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "embedded-kafka-it");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return config;
    }

    private static Properties consumerConfig(EmbeddedKafka kafka) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "embedded-kafka-it");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return config;
    }
}
