package dev.cudastack.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads glibc's binary loader cache (/etc/ld.so.cache) without running ldconfig. Two layouts exist
 * and a file may hold both: the old one (magic {@code ld.so-1.7.0}, 12-byte entries, string offsets
 * counted from the end of the entry table) and the new one (magic {@code glibc-ld.so.cache1.1},
 * 24-byte entries, string offsets counted from the new header). When both are present the new
 * table, which follows the old one, is used — as the loader does.
 */
public final class LdSoCache {
  private static final byte[] OLD_MAGIC = "ld.so-1.7.0".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NEW_MAGIC = "glibc-ld.so.cache1.1".getBytes(StandardCharsets.US_ASCII);
  private static final int OLD_HEADER = 16;
  private static final int OLD_ENTRY = 12;
  private static final int NEW_HEADER = 48;
  private static final int NEW_ENTRY = 24;
  private static final int MAX_ENTRIES = 1 << 20;

  private LdSoCache() {}

  /** One cache entry: the name the loader looks up, the file it maps to, and its flags. */
  public record Entry(String name, String path, int flags) {
    /** The loader's own description of the flags, e.g. "libc6,x86-64". */
    public String describeFlags() {
      String type = (flags & 0xff) == 3 ? "libc6" : (flags & 0xff) == 1 ? "ELF" : "type " + (flags & 0xff);
      String arch = switch (flags & 0xff00) {
        case 0x0000 -> "";
        case 0x0100 -> ",SPARC 64-bit";
        case 0x0200 -> ",IA-64";
        case 0x0300 -> ",x86-64";
        case 0x0400 -> ",64bit";
        case 0x0500 -> ",N32";
        case 0x0800 -> ",x32";
        case 0x0900 -> ",hard-float";
        case 0x0a00 -> ",AArch64";
        case 0x0b00 -> ",soft-float";
        default -> ",flags " + Integer.toHexString(flags & 0xff00);
      };
      return type + arch;
    }
  }

  /** The parsed cache: its layout ("old", "new", "compat") and its entries in file order. */
  public record Parsed(String format, List<Entry> entries) {}

  /** Parses a cache file's bytes; malformed input raises {@link IllegalArgumentException}. */
  public static Parsed parse(byte[] data) {
    ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    if (startsWith(data, 0, NEW_MAGIC)) {
      return new Parsed("new", parseNew(b, 0));
    }
    if (!startsWith(data, 0, OLD_MAGIC)) {
      throw new IllegalArgumentException("not an ld.so.cache file (unknown magic)");
    }
    long n = Integer.toUnsignedLong(b.getInt(12));
    if (n > MAX_ENTRIES || OLD_HEADER + n * OLD_ENTRY > data.length) {
      throw new IllegalArgumentException("old-format entry count " + n + " does not fit the file");
    }
    int tableEnd = (int) (OLD_HEADER + n * OLD_ENTRY);
    // The new table, when present, starts at the next 8-byte boundary after the old entries.
    int newStart = (tableEnd + 7) & ~7;
    if (newStart + NEW_MAGIC.length <= data.length && startsWith(data, newStart, NEW_MAGIC)) {
      return new Parsed("compat", parseNew(b, newStart));
    }
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int at = OLD_HEADER + i * OLD_ENTRY;
      int flags = b.getInt(at);
      String key = string(data, tableEnd, b.getInt(at + 4));
      String value = string(data, tableEnd, b.getInt(at + 8));
      out.add(new Entry(key, value, flags));
    }
    return new Parsed("old", out);
  }

  private static List<Entry> parseNew(ByteBuffer b, int base) {
    byte[] data = b.array();
    if (base + NEW_HEADER > data.length) {
      throw new IllegalArgumentException("truncated new-format header");
    }
    long n = Integer.toUnsignedLong(b.getInt(base + 20));
    if (n > MAX_ENTRIES || base + NEW_HEADER + n * NEW_ENTRY > data.length) {
      throw new IllegalArgumentException("new-format entry count " + n + " does not fit the file");
    }
    List<Entry> out = new ArrayList<>((int) n);
    for (int i = 0; i < n; i++) {
      int at = base + NEW_HEADER + i * NEW_ENTRY;
      int flags = b.getInt(at);
      String key = string(data, base, b.getInt(at + 4));
      String value = string(data, base, b.getInt(at + 8));
      out.add(new Entry(key, value, flags));
    }
    return out;
  }

  private static String string(byte[] data, int base, int offset) {
    long start = (long) base + Integer.toUnsignedLong(offset);
    if (start >= data.length) {
      throw new IllegalArgumentException("string offset " + offset + " lies outside the file");
    }
    int end = (int) start;
    while (end < data.length && data[end] != 0) {
      end++;
    }
    if (end == data.length) {
      throw new IllegalArgumentException("unterminated string at offset " + offset);
    }
    return new String(data, (int) start, end - (int) start, StandardCharsets.UTF_8);
  }

  private static boolean startsWith(byte[] data, int at, byte[] magic) {
    if (at + magic.length > data.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if (data[at + i] != magic[i]) {
        return false;
      }
    }
    return true;
  }
}
