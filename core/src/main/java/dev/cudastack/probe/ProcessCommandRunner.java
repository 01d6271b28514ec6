package dev.cudastack.probe;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs real processes: argument list, time limit, output capped, standard input closed. A process
 * that outlives its limit is killed (with its children) and reported as timed out.
 */
public final class ProcessCommandRunner implements CommandRunner {
  static final int OUTPUT_CAP = 1 << 20;
  private final Map<String, String> environment;

  /**
   * @param environment the variables the command sees (PATH decides which program runs), or null
   *     for this process's own environment
   */
  public ProcessCommandRunner(Map<String, String> environment) {
    this.environment = environment;
  }

  @Override
  public CommandResult run(List<String> argv, Duration timeout) {
    long start = System.nanoTime();
    if (!argv.isEmpty() && !argv.getFirst().contains("/") && onPath(argv.getFirst()) == null) {
      // Spawning a process only to learn that the program does not exist costs milliseconds.
      return new CommandResult(argv, CommandResult.Status.NOT_FOUND, -1, "", "", millisSince(start), "not on PATH");
    }
    ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    if (environment != null) {
      pb.environment().clear();
      pb.environment().putAll(environment);
    }
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      CommandResult.Status st =
          m.contains("error=2,") || m.contains("No such file") ? CommandResult.Status.NOT_FOUND : CommandResult.Status.FAILED;
      return new CommandResult(argv, st, -1, "", "", millisSince(start), m);
    }
    CompletableFuture<String> out = drain(p.getInputStream());
    CompletableFuture<String> err = drain(p.getErrorStream());
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        return new CommandResult(argv, CommandResult.Status.TIMED_OUT, -1, "", "", millisSince(start), "timed out");
      }
      String o = out.get(1, TimeUnit.SECONDS);
      String e = err.get(1, TimeUnit.SECONDS);
      int code = p.exitValue();
      return new CommandResult(
          argv,
          code == 0 ? CommandResult.Status.OK : CommandResult.Status.NONZERO_EXIT,
          code,
          o,
          e,
          millisSince(start),
          null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      return new CommandResult(argv, CommandResult.Status.FAILED, -1, "", "", millisSince(start), "interrupted");
    } catch (Exception e) {
      p.destroyForcibly();
      return new CommandResult(argv, CommandResult.Status.FAILED, -1, "", "", millisSince(start), String.valueOf(e.getMessage()));
    }
  }

  private String onPath(String name) {
    String path = environment != null ? environment.get("PATH") : System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(":")) {
      if (!dir.isEmpty()) {
        java.nio.file.Path p = java.nio.file.Path.of(dir, name);
        if (java.nio.file.Files.isExecutable(p) && !java.nio.file.Files.isDirectory(p)) {
          return p.toString();
        }
      }
    }
    return null;
  }

  private static CompletableFuture<String> drain(InputStream in) {
    CompletableFuture<String> f = new CompletableFuture<>();
    Thread.ofPlatform().daemon(true).start(() -> {
      try (in) {
        byte[] b = in.readNBytes(OUTPUT_CAP);
        in.transferTo(java.io.OutputStream.nullOutputStream());
        f.complete(new String(b, StandardCharsets.UTF_8));
      } catch (IOException | UncheckedIOException e) {
        f.complete("");
      }
    });
    return f;
  }

  private static long millisSince(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }
}
