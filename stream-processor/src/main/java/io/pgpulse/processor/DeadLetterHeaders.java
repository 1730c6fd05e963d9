package io.pgpulse.processor;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;

/**
 * Marks a record for the dead-letter topic: keeps the original key and bytes and
 * adds headers saying why and where it came from (topic, partition, offset), so a
 * person can find, understand and replay it.
 */
final class DeadLetterHeaders<T> implements FixedKeyProcessor<String, RecordDecoder.Decoded<T>, byte[]> {

    static final String REASON = "pgpulse.dlq.reason";
    static final String TOPIC = "pgpulse.dlq.topic";
    static final String PARTITION = "pgpulse.dlq.partition";
    static final String OFFSET = "pgpulse.dlq.offset";

    private FixedKeyProcessorContext<String, byte[]> context;

    @Override
    public void init(FixedKeyProcessorContext<String, byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, RecordDecoder.Decoded<T>> record) {
        FixedKeyRecord<String, byte[]> out = record.withValue(record.value().raw());
        out.headers().add(REASON, utf8(record.value().error()));
        context.recordMetadata().ifPresent(meta -> {
            out.headers().add(TOPIC, utf8(meta.topic()));
            out.headers().add(PARTITION, utf8(Integer.toString(meta.partition())));
            out.headers().add(OFFSET, utf8(Long.toString(meta.offset())));
        });
        context.forward(out);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
