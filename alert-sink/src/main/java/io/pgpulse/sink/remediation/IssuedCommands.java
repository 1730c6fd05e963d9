package io.pgpulse.sink.remediation;

import io.pgpulse.avro.MaintenanceCommand;
import io.pgpulse.schemas.command.CommandIds;
import io.pgpulse.schemas.kafka.TopicLedger;
import io.pgpulse.schemas.serde.AvroDeserializer;
import org.apache.kafka.common.errors.SerializationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ids of commands this installation already published, so that a sink that
 * restarts and reads an alert again does not ask for the same maintenance twice.
 * The commands topic is the ledger (command ids are derived from the incident, so the
 * same incident always yields the same id); it is read up to its end at start.
 *
 * <p>Reads: the commands topic. Writes: nothing.
 */
public final class IssuedCommands {

    private static final Logger log = LoggerFactory.getLogger(IssuedCommands.class);
    private final CommandIds ids = new CommandIds();

    public boolean contains(String commandId) {
        return ids.contains(commandId);
    }

    public void add(String commandId) {
        ids.add(commandId);
    }

    public int size() {
        return ids.size();
    }

    /** Reads every command on {@code commandsTopic} up to its current end; one that does not decode is skipped. */
    public static IssuedCommands load(String bootstrapServers, String commandsTopic,
                                      AvroDeserializer<MaintenanceCommand> commands) {
        IssuedCommands issued = new IssuedCommands();
        TopicLedger.readToEnd(bootstrapServers, commandsTopic, record -> {
            if (record.value() == null) {
                return;
            }
            try {
                issued.add(commands.deserialize(record.topic(), record.value()).getCommandId());
            } catch (SerializationException e) {
                log.warn("unreadable command on {}-{} at offset {}: {}", record.topic(), record.partition(),
                        record.offset(), e.getMessage());
            }
        });
        log.info("{} commands already issued (read from {})", issued.size(), commandsTopic);
        return issued;
    }
}
