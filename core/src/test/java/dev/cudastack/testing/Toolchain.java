package dev.cudastack.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** This machine's compilers, for tests that build real binaries: gcc and the CUDA 13.0 nvcc. */
public final class Toolchain {
  private Toolchain() {}

  public static Optional<Path> gcc() {
    for (String p : List.of("/usr/bin/gcc", "/usr/local/bin/gcc")) {
      if (Files.isExecutable(Path.of(p))) {
        return Optional.of(Path.of(p));
      }
    }
    return Optional.empty();
  }

  public static Optional<Path> nvcc() {
    Path p = Path.of("/usr/local/cuda-13.0/bin/nvcc");
    return Files.isExecutable(p) && gcc().isPresent() ? Optional.of(p) : Optional.empty();
  }

  /** Runs a compiler (an argument list, never a shell) in {@code dir} with a time limit; fails the test on error. */
  public static void run(Path dir, List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true).start();
      if (!p.waitFor(180, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("timed out: " + argv);
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new AssertionError("failed (" + p.exitValue() + "): " + argv + "\n" + out);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run " + argv.getFirst() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  public static Path write(Path dir, String name, String text) {
    try {
      Files.createDirectories(dir);
      return Files.writeString(dir.resolve(name), text);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
