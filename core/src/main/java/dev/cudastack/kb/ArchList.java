package dev.cudastack.kb;

import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;
import java.util.SortedSet;
import java.util.Collections;

/**
 * The GPU code a binary or a build carries: SASS (cubin) for some real architectures and PTX for
 * some virtual ones, each as a number such as 75 (sm_75 / compute_75, compute capability 7.5) or
 * 120 (12.0). Reads TORCH_CUDA_ARCH_LIST syntax ("7.5;8.0;12.0+PTX") and torch.cuda.get_arch_list()
 * names ("sm_75 sm_120 compute_120").
 */
public record ArchList(SortedSet<Integer> sass, SortedSet<Integer> ptx, String text) {
  public ArchList {
    sass = Collections.unmodifiableSortedSet(new TreeSet<>(sass));
    ptx = Collections.unmodifiableSortedSet(new TreeSet<>(ptx));
  }

  /** How a GPU of one compute capability runs code from this list. */
  public enum Fit {
    /** SASS for exactly this architecture. */
    EXACT,
    /** SASS for the same major and a lower minor (binary compatible: 8.0 code runs on 8.6). */
    COMPATIBLE_SASS,
    /** Only PTX of an equal or lower architecture: runs after JIT compilation by the driver. */
    PTX_JIT,
    /** Nothing this GPU can run: "no kernel image is available for execution on the device". */
    NONE
  }

  /** Parses either syntax; empty for text with no architecture in it or an unreadable entry. */
  public static Optional<ArchList> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    TreeSet<Integer> sass = new TreeSet<>();
    TreeSet<Integer> ptx = new TreeSet<>();
    for (String raw : text.split("[;,\\s]+")) {
      String t = raw.strip().toLowerCase(Locale.ROOT);
      if (t.isEmpty()) {
        continue;
      }
      boolean withPtx = t.endsWith("+ptx");
      if (withPtx) {
        t = t.substring(0, t.length() - 4);
      }
      Integer cc;
      if (t.startsWith("sm_")) {
        cc = digits(t.substring(3));
        if (cc != null) {
          sass.add(cc);
        }
      } else if (t.startsWith("compute_")) {
        cc = digits(t.substring(8));
        if (cc != null) {
          ptx.add(cc);
        }
      } else {
        cc = capability(t);
        if (cc != null) {
          sass.add(cc);
        }
      }
      if (cc == null) {
        return Optional.empty();
      }
      if (withPtx) {
        ptx.add(cc);
      }
    }
    if (sass.isEmpty() && ptx.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new ArchList(sass, ptx, text.strip()));
  }

  /** "8.6" → 86, "12.0" → 120, "9.0a" → null (arch-specific code is not portable). */
  public static Integer capability(String cc) {
    int dot = cc.indexOf('.');
    if (dot <= 0 || dot == cc.length() - 1) {
      return null;
    }
    Integer major = digits(cc.substring(0, dot));
    Integer minor = digits(cc.substring(dot + 1));
    return major == null || minor == null || minor > 9 ? null : major * 10 + minor;
  }

  /** "12.0" for 120. */
  public static String dotted(int cc) {
    return cc / 10 + "." + cc % 10;
  }

  private static Integer digits(String s) {
    if (s.isEmpty() || s.length() > 4) {
      return null;
    }
    for (int i = 0; i < s.length(); i++) {
      if (!Character.isDigit(s.charAt(i))) {
        return null;
      }
    }
    return Integer.parseInt(s);
  }

  /** How a GPU of compute capability {@code cc} (e.g. 90) runs this code. */
  public Fit fit(int cc) {
    if (sass.contains(cc)) {
      return Fit.EXACT;
    }
    for (int s : sass) {
      if (s / 10 == cc / 10 && s < cc) {
        return Fit.COMPATIBLE_SASS;
      }
    }
    for (int p : ptx) {
      if (p <= cc) {
        return Fit.PTX_JIT;
      }
    }
    return Fit.NONE;
  }

  /** "sm_75, sm_80, compute_120" for messages. */
  public String names() {
    StringBuilder b = new StringBuilder();
    for (int s : sass) {
      b.append(b.isEmpty() ? "" : ", ").append("sm_").append(s);
    }
    for (int p : ptx) {
      b.append(b.isEmpty() ? "" : ", ").append("compute_").append(p);
    }
    return b.toString();
  }
}
