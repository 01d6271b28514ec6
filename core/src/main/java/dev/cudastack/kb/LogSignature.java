package dev.cudastack.kb;

import java.util.List;

/**
 * A log signature for `cudastack explain` (signatures.json): a literal that must appear in the
 * line, a regular expression with named groups, the finding code it points to with a confidence,
 * other codes the same line supports ({@code also}: [code, confidence]), an explanation template
 * (${group}), and an optional reasoning {@code kind}.
 */
public record LogSignature(String id, String code, String literal, String pattern, double confidence, String explain, String kind, boolean multiline,
    List<List<String>> also, List<String> examples, String source, String checked) {
  static LogSignature of(Row r) {
    String conf = r.str("confidence");
    return new LogSignature(r.str("id"), r.str("code"), r.str("literal"), r.str("pattern"), conf == null ? 0.5 : Double.parseDouble(conf), r.str("explain"),
        r.str("kind"), r.bool("multiline"), r.pairs("also"), r.strings("examples"), r.str("source"), r.str("checked"));
  }
}
