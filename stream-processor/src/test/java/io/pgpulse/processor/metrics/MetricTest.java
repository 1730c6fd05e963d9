package io.pgpulse.processor.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgpulse.avro.ActivityMetrics;
import io.pgpulse.avro.ClusterMetrics;
import io.pgpulse.avro.DatabaseMetrics;
import io.pgpulse.avro.DerivedMetrics;
import io.pgpulse.avro.IndexMetrics;
import io.pgpulse.avro.StatementMetrics;
import io.pgpulse.avro.StatementsMetrics;
import io.pgpulse.avro.TableMetrics;
import java.util.Map;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** Rules name metrics as record.field of the published DerivedMetrics: the two must not drift apart. */
class MetricTest {

    private static final Map<String, Schema> RECORDS = Map.of(
            "source", DerivedMetrics.getClassSchema(),
            "database", DatabaseMetrics.getClassSchema(),
            "activity", ActivityMetrics.getClassSchema(),
            "cluster", ClusterMetrics.getClassSchema(),
            "statements", StatementsMetrics.getClassSchema(),
            "table", TableMetrics.getClassSchema(),
            "index", IndexMetrics.getClassSchema(),
            "statement", StatementMetrics.getClassSchema());

    @Test
    void everyMetricIsAFieldOfTheMetricsTopicWithADescription() {
        for (Metric metric : Metric.values()) {
            assertThat(metric.description()).as(metric.metricName()).isNotBlank();
            if (metric == Metric.SOURCE_SILENT_INTERVALS) {
                continue; // set by the silence check only, never published
            }
            Schema record = RECORDS.get(metric.record());
            assertThat(record).as("record of " + metric.metricName()).isNotNull();
            assertThat(record.getField(metric.field())).as(metric.metricName() + " in " + record.getName()).isNotNull();
        }
    }

    @Test
    void weightedPercentileIsTheMeanReachingTheShareOfCalls() {
        double[] means = {1, 50, 500, Double.NaN};
        long[] calls = {90, 9, 1, 0};
        assertThat(MetricsCalculator.weightedPercentile(means, calls, 0.95)).isEqualTo(50);
        assertThat(MetricsCalculator.weightedPercentile(means, calls, 0.90)).isEqualTo(1);
        assertThat(MetricsCalculator.weightedPercentile(means, calls, 1.0)).isEqualTo(500);
        assertThat(MetricsCalculator.weightedPercentile(new double[]{3}, new long[]{0}, 0.95)).isNaN();
    }
}
