package dev.cudastack.kb;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A set of versions written as comma-separated clauses ({@code >=525.60.13,<526}, {@code ==2.5.*},
 * {@code ~=0.43}, {@code !=1.0}); every clause must hold. An empty range contains everything.
 */
public record VersionRange(List<Clause> clauses, String text) {
  private static final Pattern CLAUSE = Pattern.compile("^(~=|==|!=|<=|>=|<|>|===)?\\s*(\\S+)$");

  public VersionRange {
    clauses = List.copyOf(clauses);
  }

  /** One clause: an operator and a version; {@code prefix} for "==X.*" / "!=X.*". */
  public record Clause(String op, Version version, boolean prefix) {}

  public static Optional<VersionRange> parse(String text) {
    List<Clause> out = new ArrayList<>();
    if (text == null) {
      return Optional.empty();
    }
    for (String raw : text.split(",")) {
      String c = raw.strip();
      if (c.isEmpty()) {
        continue;
      }
      Matcher m = CLAUSE.matcher(c);
      if (!m.matches()) {
        return Optional.empty();
      }
      String op = m.group(1) == null ? "==" : m.group(1);
      String v = m.group(2);
      boolean prefix = v.endsWith(".*");
      if (prefix && !op.equals("==") && !op.equals("!=")) {
        return Optional.empty();
      }
      Optional<Version> parsed = Version.parse(prefix ? v.substring(0, v.length() - 2) : v);
      if (parsed.isEmpty()) {
        return Optional.empty();
      }
      out.add(new Clause(op, parsed.get(), prefix));
    }
    return Optional.of(new VersionRange(out, text.strip()));
  }

  public static VersionRange of(String text) {
    return parse(text).orElseThrow(() -> new IllegalArgumentException("not a version range: '" + text + "'"));
  }

  public boolean contains(Version v) {
    for (Clause c : clauses) {
      if (!holds(c, v)) {
        return false;
      }
    }
    return true;
  }

  private static boolean holds(Clause c, Version v) {
    if (c.prefix()) {
      boolean match = startsWith(v, c.version());
      return c.op().equals("==") == match;
    }
    int cmp = v.public_().compareTo(c.version().public_());
    return switch (c.op()) {
      case "==", "===" -> c.version().local() == null ? cmp == 0 : v.compareTo(c.version()) == 0;
      case "!=" -> cmp != 0;
      case "<" -> cmp < 0;
      case "<=" -> cmp <= 0;
      case ">" -> cmp > 0;
      case ">=" -> cmp >= 0;
      case "~=" -> cmp >= 0 && startsWith(v, compatiblePrefix(c.version()));
      default -> false;
    };
  }

  /** ~=X.Y.Z means >=X.Y.Z and ==X.Y.*: the release without its last number. */
  private static Version compatiblePrefix(Version v) {
    List<Long> r = v.release().size() > 1 ? v.release().subList(0, v.release().size() - 1) : v.release();
    return new Version(r, null, -1, -1, -1, null, r.toString());
  }

  private static boolean startsWith(Version v, Version prefix) {
    for (int i = 0; i < prefix.release().size(); i++) {
      long a = i < v.release().size() ? v.release().get(i) : 0;
      if (a != prefix.release().get(i)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return text;
  }
}
