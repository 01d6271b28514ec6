package dev.cudastack.plan;

import dev.cudastack.kb.Version;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEP 508 environment markers for a Linux x86-64 CPython target: {@code sys_platform != 'darwin'},
 * {@code python_version >= "3.9"}, joined by {@code and}/{@code or} with parentheses. A marker that
 * names a variable the target does not fix (an unknown Python, {@code extra}) or that cannot be read
 * is unknown, and the requirement is kept.
 */
final class Markers {
  private static final Pattern ATOM = Pattern.compile("^\\s*(?:([A-Za-z_.]+)|[\"']([^\"']*)[\"'])\\s*(==|!=|<=|>=|<|>|~=|===|not\\s+in|in)\\s*(?:([A-Za-z_.]+)|[\"']([^\"']*)[\"'])\\s*$");

  private Markers() {}

  /** The marker's value on a Linux x86-64 CPython of {@code python} (X.Y, or null when unknown); empty when it cannot be decided. */
  static Optional<Boolean> evaluate(String marker, String python) {
    if (marker == null || marker.isBlank()) {
      return Optional.of(true);
    }
    Map<String, String> env = new java.util.HashMap<>(Map.of("sys_platform", "linux", "platform_system", "Linux", "os_name", "posix", "platform_machine", "x86_64",
        "implementation_name", "cpython", "platform_python_implementation", "CPython"));
    if (python != null) {
      env.put("python_version", python);
      env.put("python_full_version", python + ".0");
    }
    return or(marker.strip(), env);
  }

  private static Optional<Boolean> or(String s, Map<String, String> env) {
    String t = unwrap(s);
    int at = split(t, "or");
    if (at >= 0) {
      return combine(or(t.substring(0, at), env), or(t.substring(at + 2), env), false);
    }
    at = split(t, "and");
    if (at >= 0) {
      return combine(or(t.substring(0, at), env), or(t.substring(at + 3), env), true);
    }
    return atom(t, env);
  }

  /** Three-valued and/or: a known false (and) or true (or) decides even when the other side is unknown. */
  private static Optional<Boolean> combine(Optional<Boolean> a, Optional<Boolean> b, boolean and) {
    if (and) {
      if (a.equals(Optional.of(false)) || b.equals(Optional.of(false))) {
        return Optional.of(false);
      }
      return a.isPresent() && b.isPresent() ? Optional.of(true) : Optional.empty();
    }
    if (a.equals(Optional.of(true)) || b.equals(Optional.of(true))) {
      return Optional.of(true);
    }
    return a.isPresent() && b.isPresent() ? Optional.of(false) : Optional.empty();
  }

  /** Strips parentheses around the whole expression. */
  private static String unwrap(String s) {
    String t = s.strip();
    while (t.startsWith("(") && t.endsWith(")") && closing(t) == t.length() - 1) {
      t = t.substring(1, t.length() - 1).strip();
    }
    return t;
  }

  private static int closing(String t) {
    int depth = 0;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  /** The position of the first top-level ` word ` outside quotes and parentheses, or -1. */
  private static int split(String t, String word) {
    int depth = 0;
    char quote = 0;
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (depth == 0 && t.startsWith(word, i) && i > 0 && Character.isWhitespace(t.charAt(i - 1))
          && i + word.length() < t.length() && Character.isWhitespace(t.charAt(i + word.length()))) {
        return i;
      }
    }
    return -1;
  }

  private static Optional<Boolean> atom(String t, Map<String, String> env) {
    Matcher m = ATOM.matcher(t);
    if (!m.matches()) {
      return Optional.empty();
    }
    String left = m.group(1) != null ? env.get(m.group(1)) : m.group(2);
    String right = m.group(4) != null ? env.get(m.group(4)) : m.group(5);
    if (left == null || right == null) {
      return Optional.empty();
    }
    String op = m.group(3).replaceAll("\\s+", " ");
    switch (op) {
      case "in" -> {
        return Optional.of(right.contains(left));
      }
      case "not in" -> {
        return Optional.of(!right.contains(left));
      }
      case "===" -> {
        return Optional.of(left.equals(right));
      }
      default -> {
        // fall through to the comparisons below
      }
    }
    Optional<Version> a = Version.parse(left);
    Optional<Version> b = Version.parse(right);
    boolean versions = a.isPresent() && b.isPresent() && left.matches("[0-9.]+") && right.matches("[0-9.*]+");
    if (!versions) {
      return switch (op) {
        case "==" -> Optional.of(left.equals(right));
        case "!=" -> Optional.of(!left.equals(right));
        default -> Optional.empty();
      };
    }
    if (right.endsWith(".*")) {
      String prefix = right.substring(0, right.length() - 1);
      boolean starts = (left + ".").startsWith(prefix);
      return op.equals("==") ? Optional.of(starts) : op.equals("!=") ? Optional.of(!starts) : Optional.empty();
    }
    int c = a.get().compareTo(b.get());
    return Optional.of(switch (op) {
      case "==" -> c == 0;
      case "!=" -> c != 0;
      case "<" -> c < 0;
      case "<=" -> c <= 0;
      case ">" -> c > 0;
      case ">=" -> c >= 0;
      case "~=" -> c >= 0 && a.get().major() == b.get().major();
      default -> false;
    });
  }
}
