package dev.cudastack.explain;

import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.kb.LogSignature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Streams a log once: splits it into lines (a line longer than {@link #MAX_LINE} bytes is read in
 * pieces of that size, so memory stays flat on a gigabyte without a newline), finds the catalog's
 * literals with one automaton pass, and only on a hit decodes the line (invalid UTF-8 replaced,
 * colour codes and carriage returns removed) and tries the signatures' expressions.
 */
public final class Explainer {
  static final int MAX_LINE = 64 * 1024;
  private static final int BUFFER = 1 << 20;
  private static final int ERROR_LINES = 12;
  private static final Pattern ANSI = Pattern.compile("\u001B\\[[0-9;?]*[ -/]*[@-~]");
  /** A time stamp that CI logs put before every line (GitHub Actions: "2023-03-24T20:21:35.0628441Z "): not part of a continued message. */
  private static final Pattern TIMESTAMP = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d[T ][\\d:.,]+Z?\\s+");
  /** An absolute path in a line (after a space, a quote, a bracket, '=' or ':'). */
  private static final Pattern PATH = Pattern.compile("(?<![^\\s'\"(=\\[])/[\\w.@+~-]++(?:/[\\w.@+~-]++)*+");
  /** Paths that tell one machine from another: home directories, environments, site-packages, data mounts. */
  private static final Pattern DISTINCT_PATH = Pattern.compile("^/(?:home|root|opt|data|mnt|scratch|workspace|srv|work|Users)/|/site-packages/|/envs/");
  private static final int PATHS = 32;
  private static final List<String> ERROR_WORDS = List.of("Error", "ERROR", "error:", "Exception", "Traceback", "FAILED", "fatal", "Failed");

  private final KnowledgeBase kb;
  private final List<LogSignature> signatures;
  private final Pattern[] patterns;
  private final LiteralMatcher matcher;
  private final Prefilter prefilter;
  private final LiteralMatcher errorWords;
  /** For each literal of the matcher, the signature it belongs to. */
  private final int[] owner;
  private final int firstErrorWord;
  /** One byte less than the longest literal: a literal that starts this close to a cut crosses it. */
  private final int overlap;
  /** Lines that look like errors are collected from the first and the last megabyte only (unknown logs). */
  private static final int ERROR_WINDOW = 1 << 20;
  private final Map<String, String> fixes = new LinkedHashMap<>();

  public Explainer(KnowledgeBase kb) throws KbException {
    this.kb = kb;
    this.signatures = kb.signatures();
    this.patterns = new Pattern[signatures.size()];
    List<String> literals = new ArrayList<>();
    List<Integer> owners = new ArrayList<>();
    for (int i = 0; i < signatures.size(); i++) {
      patterns[i] = Pattern.compile(signatures.get(i).pattern());
      for (String lit : signatures.get(i).literal().split("\\|\\|")) {
        literals.add(lit);
        owners.add(i);
      }
    }
    for (KnowledgeBase.CodeFix f : kb.codeFixes()) {
      fixes.put(f.code(), f.fix());
    }
    owner = owners.stream().mapToInt(Integer::intValue).toArray();
    overlap = literals.stream().mapToInt(l -> l.getBytes(StandardCharsets.UTF_8).length).max().orElse(1) - 1;
    firstErrorWord = signatures.size();
    this.matcher = new LiteralMatcher(literals);
    this.prefilter = new Prefilter(literals);
    this.errorWords = new LiteralMatcher(ERROR_WORDS);
  }

  /** Reads the whole stream (several logs can be given one after another). */
  public Explanation explain(List<InputStream> inputs) throws IOException {
    State st = new State();
    for (InputStream in : inputs) {
      scan(in, st);
      st.flushPending();
    }
    return st.finish();
  }

  private final class State {
    final Reasoner reasoner = new Reasoner(kb, signatures, fixes);
    /** Matches given up because a pattern recursed or ran out of time on a line. */
    int abandoned;
    /** The lines that look like errors, from the head and the tail of each input, by number. */
    final Map<Long, Explanation.Line> errorLines = new TreeMap<>();
    long lines;
    long bytes;
    int cut;
    /** Absolute paths the matched and error lines name, in a user's or a tool's own places (at most {@link #PATHS}). */
    final Set<String> paths = new LinkedHashSet<>();

    void paths(String line) {
      if (paths.size() >= PATHS || line.indexOf('/') < 0) {
        return;
      }
      Matcher m = PATH.matcher(line);
      while (paths.size() < PATHS && m.find()) {
        String p = trimDots(m.group());
        if (p.indexOf('/', 1) > 0 && DISTINCT_PATH.matcher(p).find()) {
          paths.add(p);
        }
      }
    }

    /** Multi-line signatures waiting for the next line: [signature index, line number, text]. */
    final List<Object[]> pending = new ArrayList<>();

    /** A whole line (or the part of it that is looked at): the next line of any pending signature, then its literals. */
    void line(byte[] b, int off, int len, long number) {
      pendingWith(b, off, len);
      hits(b, off, len, number);
    }

    /** Gives the pending multi-line signatures {@code b[off, off+len)} as their next line. */
    void pendingWith(byte[] b, int off, int len) {
      if (pending.isEmpty()) {
        return;
      }
      String next = text(b, off, len);
      for (Object[] p : pending) {
        // the line with its next one; if that says nothing, the line alone
        if (!evaluate((int) p[0], (String) p[2] + " " + TIMESTAMP.matcher(next.strip()).replaceFirst(""), (long) p[1], (String) p[2])) {
          evaluate((int) p[0], (String) p[2], (long) p[1], (String) p[2]);
        }
      }
      pending.clear();
    }

    /** Tries the signatures whose literals occur in {@code b[off, off+len)}; a multi-line one waits for the next line first. */
    void hits(byte[] b, int off, int len, long number) {
      BitSet literalHits = matcher.find(b, off, len);
      if (literalHits == null) {
        return;
      }
      BitSet hits = new BitSet();
      for (int i = literalHits.nextSetBit(0); i >= 0; i = literalHits.nextSetBit(i + 1)) {
        hits.set(owner[i]);
      }
      String text = text(b, off, len);
      paths(text);
      for (int i = hits.nextSetBit(0); i >= 0; i = hits.nextSetBit(i + 1)) {
        if (signatures.get(i).multiline()) {
          pending.add(new Object[] {i, number, text}); // a message that may go on in the next line is read with it
        } else {
          evaluate(i, text, number, text);
        }
      }
    }

    /** Lines that look like errors, kept once each (the head and the tail of a short input are the same lines). */
    void addErrorLines(List<Explanation.Line> found) {
      for (Explanation.Line l : found) {
        paths(l.text());
        errorLines.putIfAbsent(l.number(), l);
      }
    }

    /** A multi-line signature waits for the next line. */
    boolean waiting() {
      return !pending.isEmpty();
    }

    void flushPending() {
      for (Object[] p : pending) {
        evaluate((int) p[0], (String) p[2], (long) p[1], (String) p[2]);
      }
      pending.clear();
    }

    /** Tries one signature on a text; true when it matched. */
    boolean evaluate(int i, String text, long number, String shown) {
      Matcher m = patterns[i].matcher(new Budgeted(text, System.nanoTime() + MATCH_BUDGET_NANOS));
      try {
        if (!m.find()) {
          return false;
        }
      } catch (StackOverflowError | Budgeted.Spent e) {
        abandoned++;
        return false; // a pattern (perhaps from a --kb catalog) that recurses or backtracks on this line says nothing about it
      }
      LogSignature s = signatures.get(i);
      Explanation.Line line = new Explanation.Line(number, shorten(shown));
      String explanation = fill(s.explain(), m, s.pattern());
      reasoner.add(s, m, explanation, line, text);
      return true;
    }

    Explanation finish() {
      List<Explanation.Cause> causes = reasoner.causes();
      return new Explanation(causes, causes.isEmpty() ? List.copyOf(errorLines.values()) : List.of(), lines, bytes, cut, List.copyOf(paths), null, abandoned);
    }

  }

  /**
   * Reads one input in large buffers. Within the complete lines of a buffer, the prefilter jumps
   * to the next possible literal; only that line is handed over (its number counted from the
   * newlines before it). A line with no newline within a whole buffer is handed over in pieces;
   * the last bytes of a piece are kept for the next, so a literal across the cut is still found.
   * The lines that look like errors come from the first and the last {@link #ERROR_WINDOW} bytes
   * of the input: the buffer processed before the last one is kept (two buffers trade places), so
   * the last window can span both.
   */
  private void scan(InputStream in, State st) throws IOException {
    byte[] buf = new byte[BUFFER];
    byte[] prev = new byte[BUFFER]; // the complete lines of the buffer processed before, [0, prevLen)
    int prevLen = 0;
    long prevNumber = 0;
    long read = 0; // bytes of this input so far
    int headLines = 0;
    int filled = 0;
    long number = st.lines + 1;
    boolean eof = false;
    boolean open = false; // a line without a newline is being read in pieces
    while (!eof) {
      int n = in.read(buf, filled, BUFFER - filled);
      if (n < 0) {
        eof = true;
      } else {
        st.bytes += n;
        read += n;
        filled += n;
        if (filled < BUFFER) {
          continue;
        }
      }
      boolean continuing = open; // buf starts inside a line begun in an earlier buffer
      // Process complete lines; keep a trailing partial line for the next read.
      int end = filled;
      if (!eof) {
        int lastNl = lastNewline(buf, filled);
        if (lastNl < 0) {
          // No newline in a whole buffer: a very long line. Only the pieces around literals are
          // looked at, as one line.
          longLine(buf, 0, filled, number, !continuing, st);
          st.cut += (filled + MAX_LINE - 1) / MAX_LINE;
          open = true;
          int keep = Math.min(overlap, filled);
          System.arraycopy(buf, filled - keep, buf, 0, keep);
          filled = keep;
          prevLen = 0;
          continue;
        }
        open = false;
        end = lastNl + 1;
      }
      long start = read - filled; // the offset of buf[0] in this input
      if (start < ERROR_WINDOW && headLines < ERROR_LINES) { // the head of the input
        List<Explanation.Line> head = errorWords(buf, 0, end, (int) Math.min(end, ERROR_WINDOW - start), number);
        head = head.subList(0, Math.min(head.size(), ERROR_LINES - headLines));
        headLines += head.size();
        st.addErrorLines(head);
      }
      if (eof) { // the tail of the input: the last ERROR_WINDOW bytes, across this buffer and the one before
        List<Explanation.Line> tail = new ArrayList<>();
        if (end < ERROR_WINDOW && prevLen > 0) {
          int from = lastLineStart(prev, prevLen, ERROR_WINDOW - end);
          tail.addAll(errorWords(prev, from, prevLen, prevLen, prevNumber + newlines(prev, 0, from)));
        }
        int from = lastLineStart(buf, end, ERROR_WINDOW);
        tail.addAll(errorWords(buf, from, end, end, number + newlines(buf, 0, from)));
        st.addErrorLines(tail.subList(Math.max(0, tail.size() - ERROR_LINES), tail.size()));
      }
      long first = number;
      number = lines(buf, end, number, continuing, st);
      if (eof && (filled > 0 && buf[filled - 1] != '\n' || open && filled == 0)) {
        number++; // the last line had no newline
      }
      // The processed buffer becomes prev; the partial line moves to the start of the other one.
      int rest = filled - end;
      byte[] other = prev;
      System.arraycopy(buf, end, other, 0, rest);
      prev = buf;
      prevLen = end;
      prevNumber = first;
      buf = other;
      filled = rest;
    }
    st.lines = number - 1;
  }

  /** Lines of {@code b[from, to)} that start before {@code maxStart} and look like errors, numbered from {@code number}. */
  private List<Explanation.Line> errorWords(byte[] b, int from, int to, int maxStart, long number) {
    List<Explanation.Line> found = new ArrayList<>();
    int start = from;
    long n = number;
    for (int i = from; i <= to && start < maxStart; i++) {
      if (i == to || b[i] == '\n') {
        if (i > start && errorWords.find(b, start, i - start) != null) {
          found.add(new Explanation.Line(n, shorten(text(b, start, i - start))));
        }
        n++;
        start = i + 1;
      }
    }
    return found;
  }

  /**
   * Hands over every line of {@code buf[0, end)} that may hold a literal; returns the number of
   * the line after. {@code continuing}: the first line began in an earlier buffer, so it is not
   * the next line of a pending multi-line signature.
   */
  private long lines(byte[] buf, int end, long number, boolean continuing, State st) {
    int counted = 0; // number is the line number of the line starting at counted
    int pos = 0;
    if (continuing) {
      int lineEnd = 0;
      while (lineEnd < end && buf[lineEnd] != '\n') {
        lineEnd++;
      }
      line(buf, 0, lineEnd, number, false, st);
      pos = lineEnd + 1;
    }
    while (pos < end) {
      int lineStart;
      if (st.waiting()) {
        lineStart = pos; // a multi-line signature needs this line whatever it holds
      } else {
        int hit = prefilter.next(buf, pos, end);
        if (hit < 0) {
          break;
        }
        lineStart = hit;
        while (lineStart > pos && buf[lineStart - 1] != '\n') {
          lineStart--;
        }
      }
      int lineEnd = lineStart;
      while (lineEnd < end && buf[lineEnd] != '\n') {
        lineEnd++;
      }
      number += newlines(buf, counted, lineStart);
      counted = lineStart;
      line(buf, lineStart, lineEnd, number, true, st);
      pos = lineEnd + 1;
    }
    return number + newlines(buf, counted, end);
  }

  /** One line {@code buf[start, end)}, or the rest of one ({@code fresh} false: not a next line for a pending signature). */
  private void line(byte[] buf, int start, int end, long number, boolean fresh, State st) {
    int len = end - start;
    if (len > MAX_LINE) {
      longLine(buf, start, end, number, fresh, st);
      st.cut++;
    } else if (fresh) {
      st.line(buf, start, len, number);
    } else {
      st.hits(buf, start, len, number);
    }
  }

  /**
   * A line (or a piece of one) longer than {@link #MAX_LINE}: each literal is looked at in a
   * window of that size around it, the next search starting early enough that a literal across
   * the window's end is found again. {@code fresh}: it is the start of a line, so a pending
   * multi-line signature gets its first window as the next line.
   */
  private void longLine(byte[] buf, int start, int end, long number, boolean fresh, State st) {
    if (fresh && st.waiting()) {
      st.pendingWith(buf, start, Math.min(MAX_LINE, end - start));
    }
    int p = start;
    int hit;
    while (p < end && (hit = prefilter.next(buf, p, end)) >= 0) {
      int at = Math.max(start, Math.min(hit - MAX_LINE / 2, end - MAX_LINE));
      int len = Math.min(MAX_LINE, end - at);
      st.hits(buf, at, len, number);
      if (at + len >= end) {
        break;
      }
      p = at + len - overlap;
    }
  }

  /** The start of the first whole line within the last {@code window} bytes before {@code end}. */
  private static int lastLineStart(byte[] b, int end, int window) {
    int from = Math.max(0, end - window);
    if (from == 0) {
      return 0;
    }
    while (from < end && b[from - 1] != '\n') {
      from++;
    }
    return from;
  }

  private static int lastNewline(byte[] b, int filled) {
    for (int i = filled - 1; i >= 0; i--) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  /** How many newlines lie in {@code b[from, to)}, eight bytes at a time. */
  private static long newlines(byte[] b, int from, int to) {
    long count = 0;
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long w = (long) LONG.get(b, i) ^ 0x0A0A0A0A0A0A0A0AL;
      // a zero byte in w marks a newline in the word
      long z = (w - 0x0101010101010101L) & ~w & 0x8080808080808080L;
      if (z != 0) {
        count += Long.bitCount(nlMask(w));
      }
    }
    for (; i < to; i++) {
      if (b[i] == '\n') {
        count++;
      }
    }
    return count;
  }

  /** The exact zero bytes of a word (the fast test above can flag a byte after a zero by borrow). */
  private static long nlMask(long w) {
    long t = (w & 0x7F7F7F7F7F7F7F7FL) + 0x7F7F7F7F7F7F7F7FL;
    return ~(t | w | 0x7F7F7F7F7F7F7F7FL);
  }

  private static final java.lang.invoke.VarHandle LONG = java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  private static String text(byte[] b, int off, int len) {
    String s = new String(b, off, len, StandardCharsets.UTF_8);
    if (s.indexOf('\u001B') >= 0) {
      s = ANSI.matcher(s).replaceAll("");
    }
    return s.replace("\r", "");
  }

  private static String shorten(String s) {
    String t = s.strip();
    return t.length() > 300 ? t.substring(0, 300) + "…" : t;
  }

  private static final Pattern GROUP = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-zA-Z][a-zA-Z0-9]*)}");

  /** The text without its trailing dots ("…/x.so." at the end of a sentence), in linear time. */
  static String trimDots(String s) {
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == '.') {
      end--;
    }
    return s.substring(0, end);
  }

  /** A group's value as it goes into an explanation: at most {@link #MAX_VALUE} characters. */
  private static String value(String v) {
    String t = v.strip();
    return t.length() > MAX_VALUE ? t.substring(0, MAX_VALUE) + "…" : t;
  }

  private static final int MAX_VALUE = 120;

  /** How long one signature may look at one line: a linear match of 64 kB takes well under a millisecond. */
  private static final long MATCH_BUDGET_NANOS = 50_000_000L;

  /** The explanation template with ${group} replaced by what the line said. */
  private static String fill(String template, Matcher m, String pattern) {
    Set<String> names = new LinkedHashSet<>();
    Matcher g = GROUP.matcher(pattern);
    while (g.find()) {
      names.add(g.group(1));
    }
    Matcher p = PLACEHOLDER.matcher(template);
    StringBuilder out = new StringBuilder();
    while (p.find()) {
      String v = names.contains(p.group(1)) ? m.group(p.group(1)) : null;
      p.appendReplacement(out, Matcher.quoteReplacement(v == null ? "?" : value(v)));
    }
    p.appendTail(out);
    return out.toString();
  }
}
