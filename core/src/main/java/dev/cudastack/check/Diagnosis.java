package dev.cudastack.check;

import java.util.List;

/**
 * The findings for a snapshot, most severe first; what was checked and found fine; the proposed
 * stacks; and what the checks could not do.
 */
public record Diagnosis(List<Finding> findings, List<String> fine, List<Proposal> proposals, List<String> notes) {
  public Diagnosis {
    findings = List.copyOf(findings);
    fine = List.copyOf(fine);
    proposals = List.copyOf(proposals);
    notes = List.copyOf(notes);
  }

  public static Diagnosis empty() {
    return new Diagnosis(List.of(), List.of(), List.of(), List.of());
  }

  public boolean has(Severity s) {
    return findings.stream().anyMatch(f -> f.severity() == s);
  }

  /** 2 with any error finding, 1 with warnings only, else 0. */
  public int exitCode() {
    return has(Severity.ERROR) ? 2 : has(Severity.WARNING) ? 1 : 0;
  }
}
