package dev.cudastack.plan;

import java.util.List;
import java.util.Locale;

/**
 * One requirement as a project states it: the normalised name, the version specifier (PEP 440,
 * without the local label), the local label ("cu102"), extras, environment marker, a URL for
 * direct references, and where it was read ("requirements.txt:26").
 */
public record Requirement(String name, String spec, String local, List<String> extras, String marker, String url, String origin) {
  public Requirement {
    extras = List.copyOf(extras);
  }

  /** PEP 503 normalisation: lower case, runs of -_. become -. */
  public static String normalize(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[-_.]+", "-");
  }

  /** The text as written back: name[extras]spec+local. */
  public String text() {
    StringBuilder b = new StringBuilder(name);
    if (!extras.isEmpty()) {
      b.append('[').append(String.join(",", extras)).append(']');
    }
    if (url != null) {
      return b.append(" @ ").append(url).toString();
    }
    b.append(spec);
    if (local != null && spec.startsWith("==")) {
      b.append('+').append(local);
    }
    return b.toString();
  }

  /** The exact version when the spec is ==X (no wildcard). */
  public String pinned() {
    if (spec.startsWith("===") && !spec.contains(",")) {
      return spec.substring(3).strip();
    }
    if (spec.startsWith("==") && !spec.contains(",") && !spec.endsWith(".*")) {
      String v = spec.substring(2).strip();
      return v.matches("\\d+\\.\\d+") ? v + ".0" : v; // PEP 440 pads: ==2.1 is 2.1.0
    }
    return null;
  }
}
