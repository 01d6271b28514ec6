package dev.cudastack.kb;

/** Not a test: times loading every KB table in a fresh JVM and again warm (BENCHMARKS.md). */
public final class KbBenchmark {
  private KbBenchmark() {}

  public static void main(String[] args) throws Exception {
    long t0 = System.nanoTime();
    KnowledgeBase kb = KnowledgeBase.bundled();
    int rows = all(kb);
    double cold = (System.nanoTime() - t0) / 1e6;
    long t1 = System.nanoTime();
    int n = 50;
    for (int i = 0; i < n; i++) {
      KnowledgeBase k = KnowledgeBase.bundled();
      rows = all(k);
    }
    double warm = (System.nanoTime() - t1) / 1e6 / n;
    System.out.printf("rows=%d first-load=%.1f ms warm-load=%.2f ms%n", rows, cold, warm);
  }

  /** Loads every table; the row count keeps the work from being optimised away. */
  private static int all(KnowledgeBase kb) throws KbException {
    kb.checked();
    return kb.driverBranches().size() + kb.gpus().size() + kb.toolkitReleases().size() + kb.minorCompat().size() + kb.toolkitArchs().size()
        + kb.hostCompilers().size() + kb.cudnnReleases().size() + kb.forwardCompat().size() + kb.torchReleases().size() + kb.bnbReleases().size()
        + kb.bnbMessages().size() + kb.gates().size() + kb.deepspeedAllowLists().size() + kb.compilerBounds().size() + kb.flashAttnWheels().size()
        + kb.xformers().size();
  }
}
