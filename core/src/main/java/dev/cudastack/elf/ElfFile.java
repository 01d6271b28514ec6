package dev.cudastack.elf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a 64-bit little-endian ELF shared object says about itself: its SONAME, the libraries it
 * needs, its RPATH or RUNPATH, its sections, its dynamic symbols with their versions, the versions
 * it defines and the ones it needs from each library. Read from a memory map, touching only the
 * pages it needs; nothing is loaded or run.
 */
public record ElfFile(
    String path,
    String soname,
    List<String> needed,
    List<String> rpath,
    List<String> runpath,
    List<Section> sections,
    List<String> versionsDefined,
    List<VersionNeed> versionsNeeded,
    List<Symbol> symbols) {

  public ElfFile {
    needed = List.copyOf(needed);
    rpath = List.copyOf(rpath);
    runpath = List.copyOf(runpath);
    sections = List.copyOf(sections);
    versionsDefined = List.copyOf(versionsDefined);
    versionsNeeded = List.copyOf(versionsNeeded);
    symbols = List.copyOf(symbols);
  }

  /** A section header: name, type, file offset and size. */
  public record Section(String name, long type, long offset, long size) {}

  /** The versions needed from one library (DT_VERNEED): "libnvJitLink.so.12" → [libnvJitLink.so.12, ...]. */
  public record VersionNeed(String file, List<String> versions) {
    public VersionNeed {
      versions = List.copyOf(versions);
    }
  }

  /** A dynamic symbol: defined here or needed from elsewhere, with its version (null when unversioned); a weak undefined one may stay undefined. */
  public record Symbol(String name, String version, boolean defined, boolean weak) {
    public Symbol(String name, String version, boolean defined) {
      this(name, version, defined, false);
    }
  }

  /** Why a file could not be read as ELF. */
  public static final class NotElf extends Exception {
    private static final long serialVersionUID = 1L;

    NotElf(String message) {
      super(message, null, false, false);
    }
  }

  private static final int MAX_SECTIONS = 1 << 20;
  private static final int SHN_XINDEX = 0xffff;
  private static final int MAX_DYNAMIC = 100_000;
  private static final int MAX_SYMBOLS = 5_000_000;
  private static final int MAX_NAME = 4096;
  private static final long SHT_DYNAMIC = 6;
  private static final long SHT_DYNSYM = 11;
  private static final long SHT_GNU_VERDEF = 0x6ffffffdL;
  private static final long SHT_GNU_VERNEED = 0x6ffffffeL;
  private static final long SHT_GNU_VERSYM = 0x6fffffffL;

  /** The section of this name, if any. */
  public java.util.Optional<Section> section(String name) {
    return sections.stream().filter(s -> s.name().equals(name)).findFirst();
  }

  /** Reads a file; {@code symbols} false skips the dynamic symbol table (the slow part of a large library). */
  public static ElfFile read(Path file, boolean symbols) throws NotElf, IOException {
    if (!Files.isRegularFile(file)) {
      throw new NotElf("not a regular file");
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
      long size = ch.size();
      if (size < 64) {
        throw new NotElf("not a valid ELF file: " + size + " bytes");
      }
      MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
      return parse(file.toString(), new Bytes(seg), symbols);
    } catch (Bytes.Bad e) {
      throw new NotElf("not a valid ELF file: " + e.getMessage());
    }
  }

  /** Reads an ELF image held in memory (for tests and for fuzzing). */
  public static ElfFile parse(String name, MemorySegment image, boolean symbols) throws NotElf {
    try {
      return parse(name, new Bytes(image), symbols);
    } catch (Bytes.Bad e) {
      throw new NotElf("not a valid ELF file: " + e.getMessage());
    }
  }

  private static ElfFile parse(String path, Bytes b, boolean withSymbols) throws NotElf, Bytes.Bad {
    if (b.size() < 64 || b.u8(0) != 0x7f || b.u8(1) != 'E' || b.u8(2) != 'L' || b.u8(3) != 'F') {
      throw new NotElf("not a valid ELF file (no ELF magic)");
    }
    if (b.u8(4) != 2) {
      throw new NotElf("not a 64-bit ELF file");
    }
    if (b.u8(5) != 1) {
      throw new NotElf("not a little-endian ELF file");
    }
    long shoff = b.u64(0x28);
    int shentsize = b.u16(0x3a);
    long headers = b.u16(0x3c);
    long strndx = b.u16(0x3e);
    if (shoff == 0) {
      throw new NotElf("not a valid ELF file: no section headers");
    }
    if (shentsize < 64) {
      throw new NotElf("not a valid ELF file: section headers outside the file");
    }
    // Extended numbering (more sections than fit in 16 bits): e_shnum 0 means the count is section
    // 0's sh_size, e_shstrndx SHN_XINDEX means the index of the names is section 0's sh_link.
    if (headers == 0) {
      headers = b.u64(shoff + 0x20);
    }
    if (strndx == SHN_XINDEX) {
      strndx = b.u32(shoff + 0x28);
    }
    if (headers == 0) {
      throw new NotElf("not a valid ELF file: no section headers");
    }
    if (headers > MAX_SECTIONS || shoff > b.size() || shentsize * headers > b.size() - shoff) {
      throw new NotElf("not a valid ELF file: section headers outside the file");
    }
    int shnum = (int) headers;
    long[][] sh = new long[shnum][];
    for (int i = 0; i < shnum; i++) {
      long o = shoff + (long) i * shentsize;
      // name, type, offset, size, link, info, entsize
      sh[i] = new long[] {b.u32(o), b.u32(o + 4), b.u64(o + 0x18), b.u64(o + 0x20), b.u32(o + 0x28), b.u32(o + 0x2c), b.u64(o + 0x38)};
    }
    List<Section> sections = new ArrayList<>(shnum);
    long[] strtab = strndx < shnum ? sh[(int) strndx] : null;
    for (long[] s : sh) {
      String name = "";
      if (strtab != null && s[0] < strtab[3]) {
        name = b.cstring(strtab[2] + s[0], strtab[2] + strtab[3], MAX_NAME);
      }
      sections.add(new Section(name, s[1], s[2], s[3]));
    }
    String soname = null;
    List<String> needed = new ArrayList<>();
    List<String> rpath = new ArrayList<>();
    List<String> runpath = new ArrayList<>();
    int dyn = find(sh, SHT_DYNAMIC);
    if (dyn >= 0) {
      long[] d = sh[dyn];
      long[] str = link(sh, d);
      long count = Math.min(d[3] / 16, MAX_DYNAMIC);
      for (long i = 0; i < count; i++) {
        long tag = b.raw64(d[2] + i * 16);
        long val = b.raw64(d[2] + i * 16 + 8);
        if (tag == 0) {
          break;
        }
        if (tag == 1 || tag == 14 || tag == 15 || tag == 29) {
          String v = string(b, str, val);
          switch ((int) tag) {
            case 1 -> needed.add(v);
            case 14 -> soname = v;
            case 15 -> rpath.addAll(split(v));
            default -> runpath.addAll(split(v));
          }
        }
      }
    }
    List<String> defined = new ArrayList<>();
    Map<Integer, String> verdefByIndex = new HashMap<>();
    int vd = find(sh, SHT_GNU_VERDEF);
    if (vd >= 0) {
      long[] d = sh[vd];
      long[] str = link(sh, d);
      long off = d[2];
      long end = d[2] + d[3];
      for (int n = 0; n < Math.max(d[5], 1) && n < 100_000 && off < end; n++) {
        int ndx = b.u16(off + 4);
        int cnt = b.u16(off + 6);
        long aux = b.u32(off + 12);
        long next = b.u32(off + 16);
        if (cnt > 0) {
          String name = string(b, str, b.u32(off + aux));
          verdefByIndex.put(ndx & 0x7fff, name);
          if ((b.u16(off + 2) & 1) == 0) { // VER_FLG_BASE names the file itself
            defined.add(name);
          }
        }
        if (next == 0) {
          break;
        }
        off += next;
      }
    }
    Map<String, List<String>> needs = new LinkedHashMap<>();
    Map<Integer, String> verneedByIndex = new HashMap<>();
    int vn = find(sh, SHT_GNU_VERNEED);
    if (vn >= 0) {
      long[] d = sh[vn];
      long[] str = link(sh, d);
      long off = d[2];
      long end = d[2] + d[3];
      for (int n = 0; n < Math.max(d[5], 1) && n < 100_000 && off < end; n++) {
        int cnt = b.u16(off + 2);
        String file = string(b, str, b.u32(off + 4));
        long aux = off + b.u32(off + 8);
        long next = b.u32(off + 12);
        List<String> versions = needs.computeIfAbsent(file, k -> new ArrayList<>());
        for (int a = 0; a < cnt && a < 10_000; a++) {
          int other = b.u16(aux + 6);
          String name = string(b, str, b.u32(aux + 8));
          versions.add(name);
          verneedByIndex.put(other & 0x7fff, name);
          long anext = b.u32(aux + 12);
          if (anext == 0) {
            break;
          }
          aux += anext;
        }
        if (next == 0) {
          break;
        }
        off += next;
      }
    }
    List<VersionNeed> versionsNeeded = new ArrayList<>();
    needs.forEach((f, v) -> versionsNeeded.add(new VersionNeed(f, v)));
    List<Symbol> symbols = new ArrayList<>();
    int ds = find(sh, SHT_DYNSYM);
    if (withSymbols && ds >= 0) {
      long[] d = sh[ds];
      long[] str = link(sh, d);
      int vs = find(sh, SHT_GNU_VERSYM);
      long count = Math.min(d[3] / 24, MAX_SYMBOLS);
      for (long i = 1; i < count; i++) {
        long o = d[2] + i * 24;
        long nameOff = b.u32(o);
        int shndx = b.u16(o + 6);
        int bind = b.u8(o + 4) >> 4;
        if (nameOff == 0 || bind == 0) {
          continue; // unnamed, or local
        }
        if (nameOff >= str[3]) {
          throw new Bytes.Bad("string offset " + nameOff + " is outside its table");
        }
        String name = b.cstringUpTo(str[2] + nameOff, str[2] + str[3], MAX_NAME);
        if (name == null) {
          continue; // a name longer than MAX_NAME bytes (a huge template instance): that symbol alone is left out
        }
        String version = null;
        if (vs >= 0 && sh[vs][2] + i * 2 + 2 <= sh[vs][2] + sh[vs][3]) {
          int v = b.u16(sh[vs][2] + i * 2) & 0x7fff;
          if (v > 1) {
            version = shndx == 0 ? verneedByIndex.get(v) : verdefByIndex.get(v);
          }
        }
        symbols.add(new Symbol(name, version, shndx != 0, bind == 2));
      }
    }
    return new ElfFile(path, soname, needed, rpath, runpath, sections, defined, versionsNeeded, symbols);
  }

  private static int find(long[][] sh, long type) {
    for (int i = 0; i < sh.length; i++) {
      if (sh[i][1] == type) {
        return i;
      }
    }
    return -1;
  }

  private static long[] link(long[][] sh, long[] s) throws Bytes.Bad {
    if (s[4] >= sh.length) {
      throw new Bytes.Bad("a section links to section " + s[4] + ", which does not exist");
    }
    return sh[(int) s[4]];
  }

  private static String string(Bytes b, long[] strtab, long off) throws Bytes.Bad {
    if (off < 0 || off >= strtab[3]) {
      throw new Bytes.Bad("string offset " + off + " is outside its table");
    }
    return b.cstring(strtab[2] + off, strtab[2] + strtab[3], MAX_NAME);
  }

  private static List<String> split(String path) {
    List<String> out = new ArrayList<>();
    for (String p : path.split(":")) {
      if (!p.isEmpty()) {
        out.add(p);
      }
    }
    return out;
  }
}
