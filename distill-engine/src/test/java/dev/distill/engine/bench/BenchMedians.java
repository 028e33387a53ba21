package dev.distill.engine.bench;

import java.util.List;

/** Medians of a benchmark's rounds (each round a row of figures), as every benchmark here prints them. */
final class BenchMedians {

    private BenchMedians() {
    }

    /** The median of one column; with an even number of rounds, the mean of the two middle ones; 0 with none. */
    static long median(List<long[]> rows, int column) {
        long[] values = rows.stream().mapToLong(r -> r[column]).sorted().toArray();
        int n = values.length;
        if (n == 0) {
            return 0;
        }
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    /** The median of the rounds' ratios {@code numerator / denominator} (a ratio per round, not of the medians). */
    static double medianRatio(List<long[]> rows, int numerator, int denominator) {
        double[] values = rows.stream().mapToDouble(r -> r[numerator] / (double) r[denominator]).sorted().toArray();
        int n = values.length;
        if (n == 0) {
            return 0;
        }
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
