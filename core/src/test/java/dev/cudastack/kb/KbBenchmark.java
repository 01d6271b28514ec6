package dev.cudastack.kb;

/** Not a test: times loading every KB table in a fresh JVM and again warm (BENCHMARKS.md). */
public final class KbBenchmark {
  private KbBenchmark() {}

  public static void main(String[] args) throws Exception {
    long t0 = System.nanoTime();
    KnowledgeBase kb = KnowledgeBase.bundled();
    int rows = kb.driverBranches().size() + kb.gpus().size() + kb.toolkitReleases().size() + kb.minorCompat().size();
    kb.checked();
    double cold = (System.nanoTime() - t0) / 1e6;
    long t1 = System.nanoTime();
    int n = 50;
    for (int i = 0; i < n; i++) {
      KnowledgeBase k = KnowledgeBase.bundled();
      rows = k.driverBranches().size() + k.gpus().size() + k.toolkitReleases().size() + k.minorCompat().size();
      k.checked();
    }
    double warm = (System.nanoTime() - t1) / 1e6 / n;
    System.out.printf("rows=%d first-load=%.1f ms warm-load=%.2f ms%n", rows, cold, warm);
  }
}
