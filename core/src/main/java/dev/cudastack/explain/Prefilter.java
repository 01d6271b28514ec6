package dev.cudastack.explain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Wu–Manber multi-literal search: a shift table over two-byte blocks lets the scan jump over most
 * of a log without looking at every byte (as grep does), stopping only where one of the literals
 * may end. Finds the next position where some literal occurs; the caller then looks at that line.
 */
final class Prefilter {
  private final byte[][] literals;
  private final int m;
  private final short[] shift = new short[1 << 16];
  private final int[][] buckets = new int[1 << 16][];

  Prefilter(List<String> texts) {
    literals = new byte[texts.size()][];
    int min = Integer.MAX_VALUE;
    for (int i = 0; i < texts.size(); i++) {
      literals[i] = texts.get(i).getBytes(StandardCharsets.UTF_8);
      min = Math.min(min, literals[i].length);
    }
    if (min < 2) {
      throw new IllegalArgumentException("every literal needs at least two bytes");
    }
    m = min;
    Arrays.fill(shift, (short) (m - 1));
    List<List<Integer>> lists = new ArrayList<>();
    for (int i = 0; i < 1 << 16; i++) {
      lists.add(null);
    }
    for (int id = 0; id < literals.length; id++) {
      byte[] p = literals[id];
      for (int j = 1; j < m; j++) {
        int block = ((p[j - 1] & 0xff) << 8) | (p[j] & 0xff);
        int s = m - 1 - j;
        if (s < shift[block]) {
          shift[block] = (short) s;
        }
        if (s == 0) {
          if (lists.get(block) == null) {
            lists.set(block, new ArrayList<>());
          }
          lists.get(block).add(id);
        }
      }
    }
    for (int i = 0; i < 1 << 16; i++) {
      if (lists.get(i) != null) {
        buckets[i] = lists.get(i).stream().mapToInt(Integer::intValue).toArray();
      }
    }
  }

  /** The start of the first literal occurrence in {@code b[from, to)}, or -1. */
  int next(byte[] b, int from, int to) {
    int i = from + m - 1;
    short[] sh = shift;
    while (i < to) {
      int block = ((b[i - 1] & 0xff) << 8) | (b[i] & 0xff);
      int s = sh[block];
      if (s > 0) {
        i += s;
        continue;
      }
      int start = i - m + 1;
      for (int id : buckets[block]) {
        byte[] p = literals[id];
        if (start + p.length <= to && matches(b, start, p)) {
          return start;
        }
      }
      i++;
    }
    return -1;
  }

  private static boolean matches(byte[] b, int at, byte[] p) {
    for (int k = 0; k < p.length; k++) {
      if (b[at + k] != p[k]) {
        return false;
      }
    }
    return true;
  }
}
