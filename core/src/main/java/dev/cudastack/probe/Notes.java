package dev.cudastack.probe;

import java.util.ArrayList;
import java.util.List;

/** What a probe could not read, collected for the report's partial-result notes. */
public final class Notes {
  private final List<String> lines = new ArrayList<>();

  public synchronized void add(String note) {
    if (!lines.contains(note) && lines.size() < 200) {
      lines.add(note);
    }
  }

  public synchronized List<String> all() {
    return List.copyOf(lines);
  }
}
