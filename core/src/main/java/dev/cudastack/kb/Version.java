package dev.cudastack.kb;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A version as CUDA, drivers and Python packages write them: dotted numbers ("12.6", "580.159.04"),
 * with PEP 440's pre-, post- and dev-releases ("0.14.0.dev0", "2.8.0.post1", "1.0rc1") and a local
 * label ("2.5.1+cu121"). Ordering follows PEP 440; the local label only breaks ties.
 */
public record Version(List<Long> release, String pre, long preNumber, long post, long dev, String local, String text)
    implements Comparable<Version> {
  private static final Pattern PEP440 = Pattern.compile(
      "^v?(\\d+(?:\\.\\d+)*)"
          + "(?:[-_.]?(a|b|rc|alpha|beta|c|pre|preview)[-_.]?(\\d*))?"
          + "(?:(?:-(\\d+))|(?:[-_.]?(?:post|rev|r)[-_.]?(\\d*)))?"
          + "(?:[-_.]?dev[-_.]?(\\d*))?"
          + "(?:\\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$");
  private static final long NONE = -1;

  public Version {
    release = List.copyOf(release);
  }

  /** Longer text is not a version (a log line can hold anything). */
  static final int MAX_LENGTH = 256;

  public static Optional<Version> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.length() > MAX_LENGTH) {
      return Optional.empty(); // no real version is this long; the expression would recurse on it
    }
    Optional<Version> plain = plain(t);
    if (plain.isPresent()) {
      return plain;
    }
    Matcher m = PEP440.matcher(t);
    if (!m.matches()) {
      return Optional.empty();
    }
    List<Long> rel = new ArrayList<>();
    for (String p : m.group(1).split("\\.")) {
      if (p.length() > 18) {
        return Optional.empty();
      }
      rel.add(Long.parseLong(p));
    }
    String pre = m.group(2) == null ? null : switch (m.group(2)) {
      case "alpha" -> "a";
      case "beta" -> "b";
      case "c", "pre", "preview" -> "rc";
      default -> m.group(2);
    };
    long preN = pre == null ? NONE : number(m.group(3));
    long post = m.group(4) != null ? number(m.group(4)) : m.group(5) != null ? number(m.group(5)) : NONE;
    // An optional group that took part in the match but matched no digits reads as "", not null.
    long dev = m.group(6) != null ? number(m.group(6)) : NONE;
    return Optional.of(new Version(rel, pre, preN, post, dev, m.group(7), text.strip()));
  }

  /**
   * The common case, dotted numbers ("12.6", "580.159.04"), without the regular expression: the
   * doctor parses many versions at start-up, before the JIT has compiled the regex engine.
   */
  private static Optional<Version> plain(String t) {
    int n = t.length();
    if (n == 0 || n > 100 || !Character.isDigit(t.charAt(0)) || !Character.isDigit(t.charAt(n - 1))) {
      return Optional.empty();
    }
    List<Long> rel = new ArrayList<>(4);
    int start = 0;
    for (int i = 0; i <= n; i++) {
      char c = i < n ? t.charAt(i) : '.';
      if (c == '.') {
        if (i == start || i - start > 18) {
          return Optional.empty();
        }
        rel.add(Long.parseLong(t, start, i, 10));
        start = i + 1;
      } else if (c < '0' || c > '9') {
        return Optional.empty();
      }
    }
    return Optional.of(new Version(rel, null, NONE, NONE, NONE, null, t));
  }

  /** Parses or throws IllegalArgumentException (for data that must be valid). */
  public static Version of(String text) {
    return parse(text).orElseThrow(() -> new IllegalArgumentException("not a version: '" + text + "'"));
  }

  private static long number(String s) {
    return s == null || s.isEmpty() ? 0 : Long.parseLong(s.length() > 18 ? s.substring(0, 18) : s);
  }

  public long major() {
    return release.getFirst();
  }

  public long minor() {
    return release.size() > 1 ? release.get(1) : 0;
  }

  /** The version without its local label ("2.5.1+cu121" → "2.5.1"). */
  public Version public_() {
    return local == null ? this : new Version(release, pre, preNumber, post, dev, null, text.substring(0, text.indexOf('+')));
  }

  @Override
  public int compareTo(Version o) {
    int n = Math.max(release.size(), o.release.size());
    for (int i = 0; i < n; i++) {
      long a = i < release.size() ? release.get(i) : 0;
      long b = i < o.release.size() ? o.release.get(i) : 0;
      if (a != b) {
        return Long.compare(a, b);
      }
    }
    int c = Long.compare(preKey(), o.preKey());
    if (c != 0) {
      return c;
    }
    c = Long.compare(post, o.post);
    if (c != 0) {
      return c;
    }
    c = Long.compare(dev == NONE ? Long.MAX_VALUE : dev, o.dev == NONE ? Long.MAX_VALUE : o.dev);
    if (c != 0) {
      return c;
    }
    if (local == null || o.local == null) {
      return Boolean.compare(local != null, o.local != null);
    }
    return local.compareTo(o.local);
  }

  /** Pre-releases sort before the release; a dev-only release sorts before its pre-releases. */
  private long preKey() {
    if (pre == null) {
      return dev != NONE && post == NONE ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    int rank = switch (pre) {
      case "a" -> 0;
      case "b" -> 1;
      default -> 2;
    };
    return rank * 1_000_000_000L + preNumber;
  }

  /** Same release numbers (ignoring trailing zeros), pre/post/dev and local label. */
  public boolean sameAs(Version o) {
    return compareTo(o) == 0;
  }

  @Override
  public String toString() {
    return text;
  }
}
