package dev.cudastack.explain;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;

/**
 * An Aho–Corasick automaton over bytes: finds which of many literals occur in a line in one pass,
 * as a flat transition table (state × 256), so scanning a gigabyte costs one table lookup per byte.
 */
final class LiteralMatcher {
  private final int[] delta;
  private final int[][] outputs;
  private final boolean[] accepting;

  LiteralMatcher(List<String> literals) {
    List<int[]> gotoRows = new ArrayList<>();
    List<List<Integer>> out = new ArrayList<>();
    gotoRows.add(filled());
    out.add(new ArrayList<>());
    for (int id = 0; id < literals.size(); id++) {
      byte[] lit = literals.get(id).getBytes(StandardCharsets.UTF_8);
      int s = 0;
      for (byte b : lit) {
        int c = b & 0xff;
        if (gotoRows.get(s)[c] < 0) {
          gotoRows.get(s)[c] = gotoRows.size();
          gotoRows.add(filled());
          out.add(new ArrayList<>());
        }
        s = gotoRows.get(s)[c];
      }
      out.get(s).add(id);
    }
    int n = gotoRows.size();
    int[] fail = new int[n];
    delta = new int[n * 256];
    Deque<Integer> queue = new ArrayDeque<>();
    for (int c = 0; c < 256; c++) {
      int t = gotoRows.get(0)[c];
      if (t < 0) {
        delta[c] = 0;
      } else {
        delta[c] = t;
        fail[t] = 0;
        queue.add(t);
      }
    }
    while (!queue.isEmpty()) {
      int s = queue.poll();
      out.get(s).addAll(out.get(fail[s]));
      for (int c = 0; c < 256; c++) {
        int t = gotoRows.get(s)[c];
        if (t < 0) {
          delta[s * 256 + c] = delta[fail[s] * 256 + c];
        } else {
          delta[s * 256 + c] = t;
          fail[t] = delta[fail[s] * 256 + c];
          queue.add(t);
        }
      }
    }
    outputs = new int[n][];
    accepting = new boolean[n];
    for (int s = 0; s < n; s++) {
      outputs[s] = out.get(s).stream().mapToInt(Integer::intValue).distinct().toArray();
      accepting[s] = outputs[s].length > 0;
    }
  }

  private static int[] filled() {
    int[] r = new int[256];
    Arrays.fill(r, -1);
    return r;
  }

  /** The literals found in {@code b[off, off+len)}, as a set of ids; null when none (the common case). */
  BitSet find(byte[] b, int off, int len) {
    int s = 0;
    BitSet hits = null;
    int end = off + len;
    int[] d = delta;
    boolean[] acc = accepting;
    for (int i = off; i < end; i++) {
      s = d[(s << 8) | (b[i] & 0xff)];
      if (acc[s]) {
        if (hits == null) {
          hits = new BitSet();
        }
        for (int id : outputs[s]) {
          hits.set(id);
        }
      }
    }
    return hits;
  }
}
