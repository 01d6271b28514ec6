package dev.cudastack.check;

import java.util.List;

/**
 * One diagnosis: a stable {@code code} from docs/findings.md, its severity, a one-line title, an
 * explanation naming the layers and versions involved, the evidence with its sources, and fixes.
 * {@code subject} says what it is about (an environment prefix, a GPU, a toolkit) so that the same
 * code can fire for several.
 */
public record Finding(String code, Severity severity, String title, String explanation, String subject, List<Evidence> evidence, List<Fix> fixes) {
  public Finding {
    evidence = List.copyOf(evidence);
    fixes = List.copyOf(fixes);
  }
}
