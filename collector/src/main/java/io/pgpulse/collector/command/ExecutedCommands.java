package io.pgpulse.collector.command;

import io.pgpulse.schemas.command.CommandIds;
import io.pgpulse.schemas.kafka.TopicLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ids of commands already taken, so that a replayed command is refused also after
 * an agent restart. The command-results topic is the ledger: every command taken has a
 * result there, keyed by its id, and it is kept longer than any command is valid, so
 * reading it at start up is enough; nothing is stored on the agent's disk.
 */
public final class ExecutedCommands {

    private static final Logger log = LoggerFactory.getLogger(ExecutedCommands.class);

    private final CommandIds ids = new CommandIds();

    public boolean contains(String commandId) {
        return ids.contains(commandId);
    }

    public void add(String commandId) {
        ids.add(commandId);
    }

    /** Reads every result on {@code resultsTopic} up to its current end. */
    public static ExecutedCommands load(String bootstrapServers, String resultsTopic) {
        ExecutedCommands executed = new ExecutedCommands();
        // Values are not decoded: the key is the command id, and an undecodable value must not hide it.
        TopicLedger.readToEnd(bootstrapServers, resultsTopic, record -> {
            if (record.key() != null) {
                executed.add(record.key());
            }
        });
        log.info("{} command ids already taken (read from {})", executed.ids.size(), resultsTopic);
        return executed;
    }
}
