package dev.cudastack.elf;

import dev.cudastack.kb.ArchList;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The GPU code a shared object carries in its .nv_fatbin section: a run of fat binaries (magic
 * 0xBA55ED50), each a list of entries — SASS (an ELF cubin for one sm_XX) or PTX (for compute_XX),
 * possibly compressed. Only the entry headers are read (kind, architecture, flags, PTX ISA
 * version), never the payloads. Layout, as nvcc 13.0 writes it: fat binary header {u32 magic, u16
 * version, u16 header size, u64 size of the entries}; entry header {u16 kind (1 PTX, 2 ELF), u16
 * version, u32 header size, u64 payload size, u32 compressed size, u32, u32 PTX ISA
 * (major &lt;&lt; 16 | minor), u32 sm, u64, u64 flags (0x8000 compressed, 0x100000 arch-specific
 * "a", 0x200000 family "f")}.
 */
public record DeviceCode(int fatbins, int fatbinsWithCode, List<Arch> archs, List<Signature> signatures, boolean compressed, List<String> problems) {
  public DeviceCode {
    archs = List.copyOf(archs);
    signatures = List.copyOf(signatures);
    problems = List.copyOf(problems);
  }

  /** A set of architectures that fat binaries carry together, and how many carry exactly that set. */
  public record Signature(List<String> archs, int fatbins) {
    public Signature {
      archs = List.copyOf(archs);
    }
  }

  /**
   * One kind of code (sass or ptx) for one architecture and variant, in how many fat binaries, and
   * for PTX the highest ISA version any of them carries.
   */
  public record Arch(String name, boolean ptx, int sm, String variant, int fatbins, int entries, String ptxIsa) {}

  /** How a GPU fares with this binary: the share of fat binaries with code it can run. */
  public record Verdict(int cc, int runnable, int withCode, List<String> via, boolean supported) {}

  private static final long MAGIC = 0xBA55ED50L;
  private static final int MAX_ENTRIES = 1_000_000;
  /** A GPU is supported when at least this share of the fat binaries with code have code it runs. */
  public static final double SUPPORTED_SHARE = 0.95;

  /** "sm_90" / "sm_90a" / "compute_120f". */
  static String name(boolean ptx, int sm, String variant) {
    return (ptx ? "compute_" : "sm_") + sm + variant;
  }

  /** The device code in a file's .nv_fatbin section; empty (no fat binaries) when it has none. */
  public static DeviceCode read(Path file, ElfFile elf) throws IOException {
    var sec = elf.section(".nv_fatbin");
    if (sec.isEmpty()) {
      return new DeviceCode(0, 0, List.of(), List.of(), false, List.of());
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
      long start = sec.get().offset();
      long size = sec.get().size();
      if (start < 0 || size < 0 || start > ch.size() || size > ch.size() - start) {
        return new DeviceCode(0, 0, List.of(), List.of(), false, List.of(".nv_fatbin lies outside the file"));
      }
      MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, start, size, arena);
      return parse(new Bytes(seg));
    }
  }

  /** Parses a .nv_fatbin section's bytes. */
  public static DeviceCode parse(MemorySegment section) {
    return parse(new Bytes(section));
  }

  private static DeviceCode parse(Bytes b) {
    Map<String, int[]> counts = new TreeMap<>();
    Map<String, Arch> shape = new TreeMap<>();
    Map<String, int[]> signatures = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    int fatbins = 0;
    int withCode = 0;
    int entries = 0;
    boolean compressed = false;
    long pos = 0;
    try {
      while (pos + 16 <= b.size() && entries < MAX_ENTRIES) {
        if (b.u32(pos) != MAGIC) {
          pos = (pos + 8) & ~7L; // padding between fat binaries: look at the next 8-byte boundary
          continue;
        }
        int headerSize = b.u16(pos + 6);
        long body = b.u64(pos + 8);
        if (headerSize < 16 || body > b.size() - pos - headerSize) {
          problems.add("fat binary at " + pos + " claims more bytes than the section has");
          break;
        }
        fatbins++;
        Set<String> here = new LinkedHashSet<>();
        long e = pos + headerSize;
        long end = e + body;
        while (e + 64 <= end && entries < MAX_ENTRIES) {
          int kind = b.u16(e);
          long eh = b.u32(e + 4);
          long payload = b.u64(e + 8);
          if (eh < 64 || eh > end - e || payload > end - e - eh) {
            problems.add("entry at " + e + " of the fat binary at " + pos + " has impossible sizes");
            break;
          }
          if (kind == 1 || kind == 2) {
            boolean ptx = kind == 1;
            long isa = b.u32(e + 24);
            int sm = (int) b.u32(e + 28);
            long flags = b.raw64(e + 40);
            compressed |= (flags & 0x8000) != 0;
            String variant = (flags & 0x100000) != 0 ? "a" : (flags & 0x200000) != 0 ? "f" : "";
            String n = name(ptx, sm, variant);
            here.add(n);
            counts.computeIfAbsent(n, k -> new int[2])[1]++;
            String ptxIsa = ptx ? (isa >> 16) + "." + (isa & 0xffff) : null;
            Arch seen = shape.get(n);
            // the highest PTX ISA of this architecture in any fat binary: a driver too old for it cannot JIT that one
            if (seen == null || ptx && compareIsa(ptxIsa, seen.ptxIsa()) > 0) {
              shape.put(n, new Arch(n, ptx, sm, variant, 0, 0, ptxIsa));
            }
            entries++;
          }
          e += eh + payload;
        }
        if (!here.isEmpty()) {
          withCode++;
          for (String n : here) {
            counts.get(n)[0]++;
          }
          signatures.computeIfAbsent(String.join(" ", new java.util.TreeSet<>(here)), k -> new int[1])[0]++;
        }
        pos = end;
      }
    } catch (Bytes.Bad ex) {
      problems.add("unreadable fat binary data: " + ex.getMessage());
    }
    List<Arch> archs = new ArrayList<>();
    for (Map.Entry<String, Arch> a : shape.entrySet()) {
      int[] c = counts.get(a.getKey());
      Arch s = a.getValue();
      archs.add(new Arch(s.name(), s.ptx(), s.sm(), s.variant(), c[0], c[1], s.ptxIsa()));
    }
    archs.sort((x, y) -> x.ptx() != y.ptx() ? Boolean.compare(x.ptx(), y.ptx()) : x.sm() != y.sm() ? Integer.compare(x.sm(), y.sm()) : x.variant().compareTo(y.variant()));
    List<Signature> sigs = new ArrayList<>();
    signatures.forEach((k, v) -> sigs.add(new Signature(List.of(k.split(" ")), v[0])));
    sigs.sort((x, y) -> Integer.compare(y.fatbins(), x.fatbins()));
    return new DeviceCode(fatbins, withCode, archs, sigs, compressed, problems);
  }

  /** SASS architectures (plain and a/f variants), by name: ["sm_75", "sm_90", "sm_90a"]. */
  public List<String> sass() {
    return archs.stream().filter(a -> !a.ptx()).map(Arch::name).toList();
  }

  public List<String> ptx() {
    return archs.stream().filter(Arch::ptx).map(Arch::name).toList();
  }

  /**
   * Whether a GPU of compute capability {@code cc} (90) can run this binary: per fat binary, exact
   * SASS (or its "a" variant for exactly that GPU, or an "f" variant of its family), SASS of the
   * same major and a lower minor, or plain PTX of an equal or lower architecture whose ISA (the
   * highest that architecture has in any fat binary) the driver can JIT ({@code maxPtxIsa} "8.5",
   * null when unknown). Supported when at least
   * {@link #SUPPORTED_SHARE} of the fat binaries with plain code qualify: a library with hundreds
   * of fat binaries is not "supported" because one of them has a kernel for this GPU. Fat binaries
   * that carry only arch-specific or family code (sm_100a, sm_103a) are kept apart: they serve
   * those GPUs and nobody else needs them.
   */
  public Verdict fit(int cc, String maxPtxIsa) {
    java.util.Set<String> ok = new LinkedHashSet<>();
    for (Arch a : archs) {
      if (runs(a, cc, maxPtxIsa)) {
        ok.add(a.name());
      }
    }
    int runnable = 0;
    int counted = fatbinsWithCode;
    for (Signature sig : signatures) {
      boolean any = false;
      for (String n : sig.archs()) {
        if (ok.contains(n)) {
          any = true;
          break;
        }
      }
      if (any) {
        runnable += sig.fatbins();
      } else if (deviceLinkStub(sig) || onlySpecific(sig)) {
        counted -= sig.fatbins();
      }
    }
    boolean supported = counted <= 0 || runnable >= Math.ceil(counted * SUPPORTED_SHARE);
    return new Verdict(cc, runnable, counted, List.copyOf(ok), supported);
  }

  /**
   * A fat binary with only arch-specific ("sm_100a") or family ("sm_100f") code holds kernels
   * for those GPUs alone (the host code picks them by architecture): other GPUs never need it.
   */
  private static boolean onlySpecific(Signature sig) {
    for (String a : sig.archs()) {
      char last = a.charAt(a.length() - 1);
      if (last != 'a' && last != 'f') {
        return false;
      }
    }
    return true;
  }

  /**
   * `nvcc -shared` adds a device-link fat binary with SASS for each architecture and no PTX beside
   * the translation unit's own (same SASS plus PTX). A GPU served by that PTX does not need the
   * stub: it is left out of the count.
   */
  private boolean deviceLinkStub(Signature sig) {
    if (sig.archs().stream().anyMatch(a -> a.startsWith("compute_"))) {
      return false;
    }
    for (Signature other : signatures) {
      if (other != sig && other.archs().stream().anyMatch(a -> a.startsWith("compute_"))
          && other.archs().stream().filter(a -> a.startsWith("sm_")).toList().equals(sig.archs())) {
        return true;
      }
    }
    return false;
  }

  private static boolean runs(Arch a, int cc, String maxPtxIsa) {
    if (a.ptx()) {
      return a.variant().isEmpty() && a.sm() <= cc && (maxPtxIsa == null || a.ptxIsa() == null || compareIsa(a.ptxIsa(), maxPtxIsa) <= 0);
    }
    if (a.variant().equals("a")) {
      return a.sm() == cc;
    }
    return a.sm() / 10 == cc / 10 && a.sm() <= cc;
  }

  /** As the knowledge base's arch list type, for plain SASS and PTX (a/f variants left out). */
  public ArchList plainArchs() {
    StringBuilder b = new StringBuilder();
    for (Arch a : archs) {
      if (a.variant().isEmpty() && a.fatbins() * 20 >= fatbinsWithCode) {
        b.append(a.ptx() ? "compute_" : "sm_").append(a.sm()).append(' ');
      }
    }
    return ArchList.parse(b.toString()).orElse(new ArchList(new java.util.TreeSet<>(), new java.util.TreeSet<>(), ""));
  }

  private static int compareIsa(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    int c = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
    return c != 0 ? c : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
  }
}
