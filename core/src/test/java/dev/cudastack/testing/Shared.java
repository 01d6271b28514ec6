package dev.cudastack.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the shared fixtures beside the checkout (../shared) and this module's fixture trees. */
public final class Shared {
  private Shared() {}

  public static Path dir() {
    String p = System.getProperty("cudastack.shared");
    Path d = p != null ? Path.of(p) : Path.of("../../shared");
    assertThat(d.resolve("fixtures")).as("the shared fixtures beside the checkout (%s)", d).isDirectory();
    return d.toAbsolutePath().normalize();
  }

  public static Path capture(String file) {
    Path f = dir().resolve("fixtures/h100-capture").resolve(file);
    assertThat(f).exists();
    return f;
  }

  public static Path scenario(String name) {
    return dir().resolve("scenarios").resolve(name);
  }

  /** A fixture tree of this module (kept out of resources so that symlinks stay symlinks). */
  public static Path fixture(String name) {
    Path d = Path.of("src/test/fixtures").resolve(name).toAbsolutePath();
    assertThat(Files.isDirectory(d)).as("fixture %s", d).isTrue();
    return d;
  }
}
