package kz.mvd.records.interop;

import java.io.BufferedReader;
import java.io.FileReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A Java regional system and consumer of the hub, with the repository's Avro schemas and standard Avro
 * single-object encoding (BinaryMessageEncoder / BinaryMessageDecoder) over the Kafka Java client.
 *
 * <pre>
 * publish CLIENT_PROPERTIES SCHEMAS_DIR MESSAGES_JSONL [TRANSACTIONAL_ID]
 *     each line: {"topic", "schema" (e.g. "RecordEvent"), "key", "value" (Avro JSON encoding),
 *     "transaction" (a number: lines of one number go in one transaction), "abort" (true: abort it)}
 * read CLIENT_PROPERTIES SCHEMAS_DIR TOPIC SCHEMA COUNT TIMEOUT_S
 *     prints each message of the topic from its start, decoded, as one JSON line {"key", "value"}
 * </pre>
 */
public final class HubInterop {
    private static final String NAMESPACE = "kz.mvd.records.";
    private static final Pattern REFERENCE = Pattern.compile("\"(kz\\.mvd\\.records\\.[A-Za-z0-9_]+)\"");
    private static final ObjectMapper JSON = new ObjectMapper();

    private HubInterop() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: publish PROPS SCHEMAS MESSAGES [TXN_ID] | read PROPS SCHEMAS TOPIC SCHEMA COUNT TIMEOUT_S");
            System.exit(2);
        }
        Properties client = properties(Path.of(args[1]));
        Map<String, Schema> schemas = schemas(Path.of(args[2]));
        if (args[0].equals("publish")) {
            publish(client, schemas, Path.of(args[3]), args.length > 4 ? args[4] : null);
        } else {
            read(client, schemas, args[3], args[4], Integer.parseInt(args[5]), Integer.parseInt(args[6]));
        }
    }

    /** Parses every .avsc of the folder, each after the named types it refers to. */
    static Map<String, Schema> schemas(Path folder) throws IOException {
        Map<String, String> texts = new HashMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".avsc"))::iterator) {
                String name = file.getFileName().toString().replaceAll("\\.avsc$", "");
                texts.put(name, Files.readString(file, StandardCharsets.UTF_8));
            }
        }
        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> parsed = new LinkedHashMap<>();
        for (String name : texts.keySet()) {
            parse(name, texts, parser, parsed);
        }
        return parsed;
    }

    private static void parse(String name, Map<String, String> texts, Schema.Parser parser, Map<String, Schema> parsed) {
        if (parsed.containsKey(name) || parser.getTypes().containsKey(name)) {
            parsed.putIfAbsent(name, parser.getTypes().get(name));
            return;
        }
        Matcher refers = REFERENCE.matcher(texts.get(name));
        while (refers.find()) {
            String other = refers.group(1);
            if (!other.equals(name) && texts.containsKey(other)) {
                parse(other, texts, parser, parsed);
            }
        }
        parsed.put(name, parser.parse(texts.get(name)));
    }

    static Properties properties(Path file) throws IOException {
        Properties client = new Properties();
        try (Reader in = new FileReader(file.toFile(), StandardCharsets.UTF_8)) {
            client.load(in);
        }
        return client;
    }

    static void publish(Properties client, Map<String, Schema> schemas, Path messages, String transactionalId)
            throws Exception {
        Properties config = new Properties();
        config.putAll(client);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        if (transactionalId != null) {
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        List<JsonNode> lines = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(messages, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank()) {
                    lines.add(JSON.readTree(line));
                }
            }
        }
        try (KafkaProducer<String, byte[]> producer =
                     new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            if (transactionalId != null) {
                producer.initTransactions();
            }
            int open = Integer.MIN_VALUE;
            boolean abort = false;
            for (JsonNode line : lines) {
                int transaction = line.path("transaction").asInt(0);
                if (transactionalId != null && transaction != open) {
                    finish(producer, open, abort);
                    producer.beginTransaction();
                    open = transaction;
                    abort = false;
                }
                abort |= line.path("abort").asBoolean(false);  // any line of a transaction may abort it
                Schema schema = schemas.get(NAMESPACE + line.get("schema").asText());
                GenericRecord value = new GenericDatumReader<GenericRecord>(schema).read(null,
                        DecoderFactory.get().jsonDecoder(schema, JSON.writeValueAsString(line.get("value"))));
                byte[] encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(value).array();
                producer.send(new ProducerRecord<>(line.get("topic").asText(), line.get("key").asText(), encoded)).get();
            }
            if (transactionalId != null) {
                finish(producer, open, abort);
            }
        }
    }

    private static void finish(KafkaProducer<String, byte[]> producer, int open, boolean abort) {
        if (open == Integer.MIN_VALUE) {
            return;
        }
        if (abort) {
            producer.abortTransaction();
        } else {
            producer.commitTransaction();
        }
    }

    static void read(Properties client, Map<String, Schema> schemas, String topic, String schemaName, int count,
                     int timeoutS) throws Exception {
        Properties config = new Properties();
        config.putAll(client);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        BinaryMessageDecoder<GenericRecord> decoder =
                new BinaryMessageDecoder<>(GenericData.get(), schemas.get(NAMESPACE + schemaName));
        for (Schema writer : schemas.values()) {
            decoder.addSchema(writer);
        }
        try (KafkaConsumer<String, byte[]> consumer =
                     new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(timeoutS).toNanos();
            int seen = 0;
            while (seen < count && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() == null) {
                        continue;
                    }
                    GenericRecord value = decoder.decode(record.value());
                    ObjectNode line = JSON.createObjectNode();
                    line.put("key", record.key());
                    line.set("value", JSON.readTree(GenericData.get().toString(value)));
                    System.out.println(JSON.writeValueAsString(line));
                    seen++;
                }
            }
            System.out.flush();
        }
    }
}
