// Reads pgpulse topics the way a downstream team would: KafkaJS consumes (with an LZ4 codec,
// as the collector compresses snapshots), Confluent's own Schema Registry client and Avro
// deserializer decode, against whatever registry URL is given (pgpulse's, in the interop
// test). None of this code knows anything about pgpulse.
//
//   node decode-topics.mjs BOOTSTRAP_SERVERS REGISTRY_URL TOPIC [TOPIC...]
//
// Reads each topic from the beginning until it has one record of every topic, then prints one
// JSON line per record to stdout:
//   {"topic", "partition", "offset", "key", "header_schema_id", "latest_schema_id", "value"}
// header_schema_id is the id in the record's five-byte header; latest_schema_id is what the
// registry, asked through Confluent's client, names as the latest version of <topic>-value.
// Bytes print as hex. Exits 1 with the reason on stderr after TIMEOUT_MS (default 60 s).

import kafkajs from 'kafkajs';
import LZ4Codec from '@2l/kafkajs-lz4';
import { AvroDeserializer, SchemaRegistryClient, SerdeType } from '@confluentinc/schemaregistry';

const [bootstrapServers, registryUrl, ...topics] = process.argv.slice(2);
if (!bootstrapServers || !registryUrl || topics.length === 0) {
  console.error('usage: node decode-topics.mjs BOOTSTRAP_SERVERS REGISTRY_URL TOPIC [TOPIC...]');
  process.exit(2);
}
const timeoutMs = Number(process.env.TIMEOUT_MS ?? 60000);

// KafkaJS reads only uncompressed and gzip batches by itself; pgpulse's collector writes LZ4.
const { CompressionCodecs, CompressionTypes, Kafka, logLevel } = kafkajs;
CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec;

const registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
const deserializer = new AvroDeserializer(registry, SerdeType.VALUE, {});

const kafka = new Kafka({
  clientId: 'pgpulse-interop-check',
  brokers: bootstrapServers.split(','),
  logLevel: logLevel.WARN,
});
const consumer = kafka.consumer({ groupId: `pgpulse-interop-check-${process.pid}-${Date.now()}` });

const pending = new Set(topics);
let failure = null;
let finish;
const finished = new Promise((resolve) => { finish = resolve; });

function printable(_key, value) {
  if (value && value.type === 'Buffer' && Array.isArray(value.data)) {
    return Buffer.from(value.data).toString('hex');
  }
  if (typeof value === 'bigint') {
    return value.toString();
  }
  return value;
}

const timer = setTimeout(() => {
  failure = `timed out after ${timeoutMs} ms; no record read yet from: ${[...pending].join(', ')}`;
  finish();
}, timeoutMs);

// A crash that retrying cannot cure (a batch it cannot read, say) would otherwise be retried
// until the timeout; retriable ones (the group coordinator still loading) are left to KafkaJS.
consumer.on(consumer.events.CRASH, (event) => {
  if (event.payload.error?.retriable === false) {
    failure = failure ?? `consumer crashed: ${event.payload.error?.stack ?? event.payload.error}`;
    finish();
  }
});

try {
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      if (!pending.has(topic)) {
        return;
      }
      try {
        const value = await deserializer.deserialize(topic, message.value);
        const latest = await registry.getLatestSchemaMetadata(`${topic}-value`);
        const line = {
          topic,
          partition,
          offset: message.offset,
          key: message.key === null ? null : message.key.toString('utf8'),
          header_schema_id: message.value.readUInt32BE(1),
          latest_schema_id: latest.id,
          value,
        };
        process.stdout.write(JSON.stringify(line, printable) + '\n');
      } catch (error) {
        failure = `cannot decode ${topic} offset ${message.offset}: ${error?.stack ?? error}`;
        finish();
        return;
      }
      pending.delete(topic);
      if (pending.size === 0) {
        finish();
      }
    },
  });
  await finished;
} catch (error) {
  failure = failure ?? `consumer failed: ${error?.stack ?? error}`;
} finally {
  clearTimeout(timer);
  await consumer.disconnect().catch((error) => console.error(`disconnect failed: ${error}`));
}

if (failure) {
  console.error(`decode-topics: ${failure}`);
  process.exit(1);
}
process.exit(0);
