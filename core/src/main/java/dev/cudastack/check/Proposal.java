package dev.cudastack.check;

import java.util.List;

/**
 * One coherent way out for an environment: the torch build to use (kept or replaced), the
 * bitsandbytes to match, the installed toolkit to put first, and the exact lines, in order.
 * {@code environment} are the shell changes ({@code cudastack fix} writes them); {@code installs}
 * are printed, never run.
 */
public record Proposal(
    String prefix,
    String torch,
    boolean torchChanged,
    String why,
    String bitsandbytes,
    String toolkit,
    List<Fix> environment,
    List<Fix> installs,
    List<String> notes) {
  public Proposal {
    environment = List.copyOf(environment);
    installs = List.copyOf(installs);
    notes = List.copyOf(notes);
  }
}
