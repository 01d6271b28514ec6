package dev.cudastack.model;

import java.util.List;

/** How one probe went: how long it took and what it could not read (a partial result's notes). */
public record ProbeRun(String probe, long millis, List<String> notes) {
  public ProbeRun {
    notes = List.copyOf(notes);
  }
}
