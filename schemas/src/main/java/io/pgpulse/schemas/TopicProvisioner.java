package io.pgpulse.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;

/**
 * Creates the pgpulse topics that do not exist yet, with the cleanup policies and
 * retention of DESIGN.md's topic table. Existing topics are left alone: their
 * owners may have tuned them.
 */
public final class TopicProvisioner {

    private static final long DAY_MS = 24L * 60 * 60 * 1000;

    private TopicProvisioner() {
    }

    /** The topics pgpulse needs, with their settings. */
    public static List<NewTopic> specs(Topics topics, int partitions) {
        Optional<Short> brokerDefault = Optional.empty();
        return List.of(
                new NewTopic(topics.snapshots(), Optional.of(partitions), brokerDefault).configs(delete(DAY_MS)),
                new NewTopic(topics.metrics(), Optional.of(partitions), brokerDefault).configs(delete(7 * DAY_MS)),
                new NewTopic(topics.alerts(), Optional.of(partitions), brokerDefault).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(30 * DAY_MS))),
                new NewTopic(topics.commands(), Optional.of(partitions), brokerDefault).configs(delete(DAY_MS)),
                new NewTopic(topics.commandResults(), Optional.of(partitions), brokerDefault).configs(delete(7 * DAY_MS)),
                new NewTopic(topics.deadLetters(), Optional.of(partitions), brokerDefault).configs(delete(7 * DAY_MS)),
                // One partition: every reader must see every switch, in order.
                new NewTopic(topics.control(), Optional.of(1), brokerDefault).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                new NewTopic(topics.silences(), Optional.of(1), brokerDefault).configs(Map.of(
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
    }

    /** Creates whichever of the topics are missing; returns the names it created. */
    public static List<String> ensure(String bootstrapServers, Topics topics, int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (NewTopic spec : specs(topics, partitions)) {
                if (!existing.contains(spec.name())) {
                    missing.add(spec);
                }
            }
            List<String> created = missing.stream().map(NewTopic::name).toList();
            if (!missing.isEmpty()) {
                admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                awaitLeaders(admin, created);
            }
            return created;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create the pgpulse topics on " + bootstrapServers + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }

    /**
     * Waits until the broker's metadata shows a leader for every partition of {@code names}: a
     * topic is created by the controller a moment before the brokers know it, and an idempotent
     * producer that meets "not the leader" in that moment can end up with its sequence numbers
     * out of order.
     */
    private static void awaitLeaders(Admin admin, List<String> names)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                boolean ready = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                        .flatMap(d -> d.partitions().stream())
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
                if (ready) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("partitions of " + names + " have no leader 30 s after they were created");
            }
            Thread.sleep(50);
        }
    }

    private static Map<String, String> delete(long retentionMs) {
        return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs));
    }
}
