package io.pgpulse.bench.serde;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgpulse.avro.PgSnapshot;
import io.pgpulse.schemas.Topics;
import io.pgpulse.schemas.serde.AvroSerializer;
import io.pgpulse.schemas.serde.InMemorySchemaRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./pgpulse bench serde}: runs {@link SnapshotSerdeBenchmark} under JMH (all four
 * benchmarks in one run, each in its own forked JVMs, in rounds so that the load of a shared
 * machine falls on all four alike) and ends with one line of figures: bytes per snapshot, the
 * median throughput of each benchmark over every measured iteration of every round, and two
 * ratios. {@code size_ratio} is JSON bytes over Avro bytes;
 * {@code speed_ratio} is JSON's time for a write plus a read over Avro's.
 */
@Command(name = "serde",
        description = {
                "Avro (pgpulse's Confluent wire-format serde) against Jackson JSON on one PgSnapshot of "
                        + LargeSnapshot.TABLES + " tables and " + LargeSnapshot.INDEXES + " indexes, under JMH.",
                "Ends with: avro_bytes= json_bytes= size_ratio= avro_ser_ops_s= json_ser_ops_s= avro_de_ops_s= "
                        + "json_de_ops_s= speed_ratio="},
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true)
public final class SerdeBench implements Callable<Integer> {

    @Option(names = "--rounds", defaultValue = "5",
            description = "Times the four benchmarks run one after another (default: ${DEFAULT-VALUE}). Rounds spread"
                    + " the load of a shared machine over all four instead of letting it fall on one.")
    int rounds;

    @Option(names = "--forks", defaultValue = "1",
            description = "JVMs per benchmark and round (default: ${DEFAULT-VALUE}).")
    int forks;

    @Option(names = "--warmup-iterations", defaultValue = "5",
            description = "Unmeasured iterations per fork (default: ${DEFAULT-VALUE}).")
    int warmupIterations;

    @Option(names = "--iterations", defaultValue = "5",
            description = "Measured iterations per fork (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--iteration-seconds", defaultValue = "2",
            description = "Length of each iteration, seconds (default: ${DEFAULT-VALUE}).")
    int iterationSeconds;

    @Option(names = "--profiler", paramLabel = "NAME",
            description = "A JMH profiler to run along (gc, stack, ...), for looking into a result.")
    String profiler;

    @Override
    public Integer call() throws Exception {
        if (rounds < 1 || forks < 1 || iterations < 1 || warmupIterations < 0 || iterationSeconds < 1) {
            System.err.println("pgpulse bench serde: --rounds, --forks, --iterations and --iteration-seconds must be"
                    + " at least 1, --warmup-iterations at least 0");
            return 2;
        }
        PgSnapshot snapshot = LargeSnapshot.build();
        int avroBytes = AvroSerializer.forClass(PgSnapshot.class, new InMemorySchemaRegistry(), false, true)
                .serialize(Topics.defaults().snapshots(), snapshot).length;
        ObjectMapper json = SnapshotJson.mapper();
        int jsonBytes = json.writeValueAsBytes(snapshot).length;

        Map<String, List<Double>> scores = new TreeMap<>();
        for (int round = 1; round <= rounds; round++) {
            for (RunResult result : new Runner(options()).run()) {
                List<Double> ofBenchmark = scores.computeIfAbsent(name(result), key -> new ArrayList<>());
                for (BenchmarkResult fork : result.getBenchmarkResults()) {
                    for (IterationResult iteration : fork.getIterationResults()) {
                        ofBenchmark.add(iteration.getPrimaryResult().getScore());
                    }
                }
            }
            StringBuilder progress = new StringBuilder();
            medians(scores).forEach((name, median) -> progress.append(String.format(Locale.ROOT, " %s=%.0f", name,
                    median)));
            System.out.println("pgpulse bench serde: after round " + round + " of " + rounds + ", medians in ops/s:"
                    + progress);
        }
        Map<String, Double> medians = medians(scores);
        double avroSer = medians.get("avroSerialize");
        double avroDe = medians.get("avroDeserialize");
        double jsonSer = medians.get("jsonSerialize");
        double jsonDe = medians.get("jsonDeserialize");
        double speedRatio = (1 / jsonSer + 1 / jsonDe) / (1 / avroSer + 1 / avroDe);
        System.out.println(String.format(Locale.ROOT,
                "avro_bytes=%d json_bytes=%d size_ratio=%.2f avro_ser_ops_s=%.0f json_ser_ops_s=%.0f"
                        + " avro_de_ops_s=%.0f json_de_ops_s=%.0f speed_ratio=%.2f",
                avroBytes, jsonBytes, (double) jsonBytes / avroBytes, avroSer, jsonSer, avroDe, jsonDe, speedRatio));
        return 0;
    }

    private Options options() {
        OptionsBuilder builder = new OptionsBuilder();
        if (profiler != null) {
            builder.addProfiler(profiler);
        }
        return builder
                .include("^" + SnapshotSerdeBenchmark.class.getName().replace(".", "\\.") + "\\.")
                .forks(forks)
                .warmupIterations(warmupIterations)
                .warmupTime(TimeValue.seconds(iterationSeconds))
                .measurementIterations(iterations)
                .measurementTime(TimeValue.seconds(iterationSeconds))
                .threads(1)
                .jvmArgsAppend("-Xms1g", "-Xmx1g")
                .build();
    }

    private static String name(RunResult result) {
        String method = result.getParams().getBenchmark();
        return method.substring(method.lastIndexOf('.') + 1);
    }

    private static Map<String, Double> medians(Map<String, List<Double>> scores) {
        Map<String, Double> medians = new TreeMap<>();
        scores.forEach((name, values) -> {
            List<Double> sorted = values.stream().sorted().toList();
            int middle = sorted.size() / 2;
            medians.put(name, sorted.size() % 2 == 1 ? sorted.get(middle)
                    : (sorted.get(middle - 1) + sorted.get(middle)) / 2);
        });
        return medians;
    }
}
