package dev.cudastack.elf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked little-endian reads over a memory-mapped file (a {@link MemorySegment}, so files
 * past 2 GiB work and only the pages read are touched); out of range throws {@link Bad}.
 */
final class Bytes {
  /** A read outside the file or a value that makes no sense: the file is not a valid ELF file. */
  static final class Bad extends Exception {
    private static final long serialVersionUID = 1L;

    Bad(String message) {
      super(message, null, false, false);
    }
  }

  private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final MemorySegment s;
  private final long size;

  Bytes(MemorySegment s) {
    this.s = s;
    this.size = s.byteSize();
  }

  long size() {
    return size;
  }

  private long at(long off, long len) throws Bad {
    if (off < 0 || len < 0 || off > size - len) {
      throw new Bad("offset " + off + " (+" + len + ") is outside the file (" + size + " bytes)");
    }
    return off;
  }

  int u8(long off) throws Bad {
    return s.get(ValueLayout.JAVA_BYTE, at(off, 1)) & 0xff;
  }

  int u16(long off) throws Bad {
    return s.get(U16, at(off, 2)) & 0xffff;
  }

  long u32(long off) throws Bad {
    return s.get(U32, at(off, 4)) & 0xffffffffL;
  }

  /** A 64-bit value that must fit a file offset or size (no sign bit). */
  long u64(long off) throws Bad {
    long v = s.get(U64, at(off, 8));
    if (v < 0) {
      throw new Bad("value at " + off + " is out of range");
    }
    return v;
  }

  /** Raw 64 bits (flags, tags, addresses). */
  long raw64(long off) throws Bad {
    return s.get(U64, at(off, 8));
  }

  /** A NUL-terminated string starting at {@code off}, at most {@code max} bytes, and not past {@code end}. */
  String cstring(long off, long end, int max) throws Bad {
    String s = cstringUpTo(off, end, max);
    if (s == null) {
      throw new Bad("string at " + off + " is longer than " + max + " bytes");
    }
    return s;
  }

  /**
   * As {@link #cstring}, but null when no NUL comes within {@code max} bytes and the string goes
   * on (a name too long to keep, which the caller may skip); a string cut by {@code end} or the
   * file is still bad.
   */
  String cstringUpTo(long off, long end, int max) throws Bad {
    long stop = Math.min(end, size);
    long limit = Math.min(stop, off + max);
    at(off, 1);
    for (long i = off; i < limit; i++) {
      if (s.get(ValueLayout.JAVA_BYTE, i) == 0) {
        return new String(s.asSlice(off, i - off).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
      }
    }
    if (limit < stop) {
      return null;
    }
    throw new Bad("unterminated string at " + off);
  }
}
