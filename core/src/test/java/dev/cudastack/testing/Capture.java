package dev.cudastack.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A capture file from the H100 machine: one or more blocks of "$ command", its output, and
 * "[exit N]". This returns the real output, untouched.
 */
public final class Capture {
  public record Block(String command, String output, int exit) {}

  private Capture() {}

  public static List<Block> blocks(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Block> out = new ArrayList<>();
    String cmd = null;
    StringBuilder body = new StringBuilder();
    for (String l : lines) {
      if (l.startsWith("$ ") && cmd == null) {
        cmd = l.substring(2);
        body.setLength(0);
      } else if (l.matches("\\[exit \\d+\\]") && cmd != null) {
        out.add(new Block(cmd, body.toString(), Integer.parseInt(l.replaceAll("\\D", ""))));
        cmd = null;
      } else if (cmd != null) {
        body.append(l).append('\n');
      }
    }
    return out;
  }

  /** The output of the only (or first) block. */
  public static String output(String file) {
    return blocks(Shared.capture(file)).getFirst().output();
  }
}
