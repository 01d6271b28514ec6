package dev.cudastack.probe;

import dev.cudastack.model.PythonInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Not a test: times reading one Python environment, for BENCHMARKS.md (run by bench/python-env).
 * Usage: PythonEnvBenchmark ROOT PATH_VALUE RUNS — prints the first (cold) run and the median of
 * the rest (warm), in milliseconds.
 */
public final class PythonEnvBenchmark {
  private PythonEnvBenchmark() {}

  public static void main(String[] args) {
    Machine m = Machine.rooted(Path.of(args[0]), Map.of("PATH", args[1], "HOME", "/root"), Duration.ofSeconds(5));
    int runs = Integer.parseInt(args[2]);
    double[] ms = new double[runs];
    int dists = 0;
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      PythonInfo p = new PythonEnvProbe(List.of(), false, false).read(m, new Notes());
      ms[i] = (System.nanoTime() - t0) / 1e6;
      dists = p.environments().getFirst().distributions().size();
    }
    double[] warm = Arrays.copyOfRange(ms, 1, runs);
    Arrays.sort(warm);
    System.out.printf("distributions=%d cold=%.1f ms warm-median=%.2f ms (runs=%d)%n", dists, ms[0], warm[warm.length / 2], runs);
  }
}
