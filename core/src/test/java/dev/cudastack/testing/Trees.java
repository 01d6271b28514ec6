package dev.cudastack.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small helpers for building machine trees in a temporary directory. */
public final class Trees {
  private Trees() {}

  public static Path write(Path root, String machinePath, String content) {
    Path p = root.resolve(machinePath.substring(1));
    try {
      Files.createDirectories(p.getParent());
      Files.writeString(p, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  public static Path touch(Path root, String machinePath) {
    return write(root, machinePath, "");
  }

  public static Path link(Path root, String machinePath, String target) {
    Path p = root.resolve(machinePath.substring(1));
    try {
      Files.createDirectories(p.getParent());
      Files.deleteIfExists(p);
      Files.createSymbolicLink(p, Path.of(target));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
