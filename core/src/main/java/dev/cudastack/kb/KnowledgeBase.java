package dev.cudastack.kb;

import dev.cudastack.json.Json;
import dev.cudastack.json.JsonException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The facts cudastack reasons with, loaded from the JSON tables under /kb in the jar, or from a
 * directory given with --kb (an update without a new release). Tables are read on first use.
 */
public final class KnowledgeBase {
  /** Older than this, `kb info` warns that the facts may lag new releases. */
  public static final int STALE_AFTER_DAYS = 180;

  private final Path dir;
  private volatile List<DriverBranch> branches;
  private volatile List<GpuModel> gpus;
  private volatile LocalDate checked;
  private volatile List<ToolkitRelease> toolkitReleases;
  private volatile List<MinorCompat> minorCompat;

  private KnowledgeBase(Path dir) {
    this.dir = dir;
  }

  /** The tables shipped in the jar. */
  public static KnowledgeBase bundled() {
    return new KnowledgeBase(null);
  }

  /** Tables from a directory (files missing there come from the jar). */
  public static KnowledgeBase from(Path dir) {
    return new KnowledgeBase(dir);
  }

  public record DriverBranch(String id, int branch, String maxCuda, String evidence, String source, String checked) {}

  public record GpuModel(String id, String name, String match, String computeCapability, String segment, String evidence, String source, String checked) {}

  public record ToolkitRelease(String id, String toolkit, int update, String label, String linuxMinDriver, String windowsMinDriver, String evidence, String source, String checked) {}

  public record MinorCompat(String id, int major, Integer minDriverBranch, String linuxFloor, String note, String source, String checked) {}

  /** Whether a CUDA runtime of a given version runs on a driver, and by which rule. */
  public record RuntimeVerdict(String cuda, String driver, Outcome outcome, String explanation) {}

  /** NATIVE: the driver supports that CUDA; MINOR_COMPAT: it runs by minor-version compatibility (no newer PTX JIT); TOO_OLD; UNKNOWN. */
  public enum Outcome {
    NATIVE,
    MINOR_COMPAT,
    TOO_OLD,
    UNKNOWN
  }

  /** What the KB says about a driver version; {@code newerThanKnown} when it is past every known branch. */
  public record DriverVerdict(String driver, Optional<DriverBranch> branch, boolean newerThanKnown, String explanation) {}

  public LocalDate checked() throws KbException {
    if (checked == null) {
      Object meta = table("meta.json");
      checked = LocalDate.parse(string(((Map<?, ?>) meta).get("checked"), "meta.json checked"));
    }
    return checked;
  }

  public List<DriverBranch> driverBranches() throws KbException {
    if (branches == null) {
      List<DriverBranch> out = new ArrayList<>();
      for (Map<?, ?> r : rows("driver-branches.json")) {
        out.add(new DriverBranch(string(r.get("id"), "id"), (int) number(r.get("branch"), "branch"), string(r.get("maxCuda"), "maxCuda"),
            string(r.get("evidence"), "evidence"), string(r.get("source"), "source"), string(r.get("checked"), "checked")));
      }
      out.sort(Comparator.comparingInt(DriverBranch::branch));
      branches = List.copyOf(out);
    }
    return branches;
  }

  public List<GpuModel> gpus() throws KbException {
    if (gpus == null) {
      List<GpuModel> out = new ArrayList<>();
      for (Map<?, ?> r : rows("gpus.json")) {
        out.add(new GpuModel(string(r.get("id"), "id"), string(r.get("name"), "name"), string(r.get("match"), "match"),
            string(r.get("computeCapability"), "computeCapability"), string(r.get("segment"), "segment"), string(r.get("evidence"), "evidence"),
            string(r.get("source"), "source"), string(r.get("checked"), "checked")));
      }
      gpus = List.copyOf(out);
    }
    return gpus;
  }

  /**
   * The branch of a driver version (its first number), and the highest CUDA it runs. A driver
   * between two known branches gets the lower one's CUDA; one past the newest known branch is
   * assumed to run everything the KB knows, and the explanation says so.
   */
  public DriverVerdict driver(String version) throws KbException {
    Optional<Version> v = Version.parse(version);
    if (v.isEmpty()) {
      return new DriverVerdict(version, Optional.empty(), false, "'" + version + "' is not a driver version");
    }
    long major = v.get().major();
    List<DriverBranch> all = driverBranches();
    DriverBranch best = null;
    for (DriverBranch b : all) {
      if (b.branch() <= major) {
        best = b;
      }
    }
    if (best == null) {
      return new DriverVerdict(version, Optional.empty(), false,
          "driver " + version + " is older than every branch the knowledge base knows (oldest: " + all.getFirst().id() + ", CUDA " + all.getFirst().maxCuda() + ")");
    }
    DriverBranch newest = all.getLast();
    if (major > newest.branch()) {
      return new DriverVerdict(version, Optional.of(newest), true,
          "driver " + version + " is newer than any branch the knowledge base knows (newest: " + newest.id() + " → CUDA " + newest.maxCuda()
              + "); assuming it runs at least CUDA " + newest.maxCuda());
    }
    String exact = best.branch() == major ? "branch " + best.id() : "no R" + major + " branch is known; the nearest older branch " + best.id();
    return new DriverVerdict(version, Optional.of(best), false, exact + " supports up to CUDA " + best.maxCuda() + " (" + best.evidence() + ")");
  }

  public List<ToolkitRelease> toolkitReleases() throws KbException {
    if (toolkitReleases == null) {
      List<ToolkitRelease> out = new ArrayList<>();
      for (Map<?, ?> r : rows("toolkit-drivers.json")) {
        out.add(new ToolkitRelease(string(r.get("id"), "id"), string(r.get("toolkit"), "toolkit"), (int) number(r.get("update"), "update"),
            string(r.get("label"), "label"), optional(r.get("linuxMinDriver")), optional(r.get("windowsMinDriver")),
            string(r.get("evidence"), "evidence"), string(r.get("source"), "source"), string(r.get("checked"), "checked")));
      }
      toolkitReleases = List.copyOf(out);
    }
    return toolkitReleases;
  }

  public List<MinorCompat> minorCompat() throws KbException {
    if (minorCompat == null) {
      List<MinorCompat> out = new ArrayList<>();
      for (Map<?, ?> r : rows("minor-compat.json")) {
        Object b = r.get("minDriverBranch");
        out.add(new MinorCompat(string(r.get("id"), "id"), (int) number(r.get("major"), "major"), b == null ? null : (int) number(b, "minDriverBranch"),
            optional(r.get("linuxFloor")), optional(r.get("note")), string(r.get("source"), "source"), string(r.get("checked"), "checked")));
      }
      minorCompat = List.copyOf(out);
    }
    return minorCompat;
  }

  /** The releases (GA and updates) of one toolkit minor version, e.g. "12.6", oldest first. */
  public List<ToolkitRelease> toolkit(String minor) throws KbException {
    Optional<Version> v = Version.parse(minor);
    if (v.isEmpty()) {
      return List.of();
    }
    String key = v.get().major() + "." + v.get().minor();
    return toolkitReleases().stream().filter(t -> t.toolkit().equals(key)).sorted(Comparator.comparingInt(ToolkitRelease::update)).toList();
  }

  /**
   * Whether a CUDA runtime (a toolkit's libcudart, torch's CUDA build) runs on a driver: natively
   * when the driver's branch supports that CUDA, else by minor-version compatibility when the
   * driver is at least its major's floor (e.g. CUDA 12.4 on driver 535), else not.
   */
  public RuntimeVerdict runtimeOnDriver(String cuda, String driver) throws KbException {
    Optional<Version> c = Version.parse(cuda);
    Optional<Version> d = Version.parse(driver);
    if (c.isEmpty() || d.isEmpty()) {
      return new RuntimeVerdict(cuda, driver, Outcome.UNKNOWN, "unreadable version");
    }
    DriverVerdict dv = driver(driver);
    if (dv.branch().isEmpty()) {
      return new RuntimeVerdict(cuda, driver, Outcome.UNKNOWN, dv.explanation());
    }
    Version max = Version.of(dv.branch().get().maxCuda());
    Version want = Version.of(c.get().major() + "." + c.get().minor());
    if (want.compareTo(max) <= 0 || dv.newerThanKnown()) {
      return new RuntimeVerdict(cuda, driver, Outcome.NATIVE, "driver " + driver + " supports up to CUDA " + max + (dv.newerThanKnown() ? " (at least; newer than any known branch)" : ""));
    }
    for (MinorCompat mc : minorCompat()) {
      if (mc.major() == c.get().major() && mc.linuxFloor() != null && d.get().compareTo(Version.of(mc.linuxFloor())) >= 0) {
        return new RuntimeVerdict(cuda, driver, Outcome.MINOR_COMPAT, "driver " + driver + " supports up to CUDA " + max
            + ", but CUDA " + mc.major() + ".x runtimes run on drivers from " + mc.linuxFloor() + " by minor-version compatibility (without JIT of newer PTX)");
      }
    }
    return new RuntimeVerdict(cuda, driver, Outcome.TOO_OLD, "driver " + driver + " supports up to CUDA " + max + "; CUDA " + want + " needs a newer driver");
  }

  private static String optional(Object o) {
    return o instanceof String s && !s.isBlank() ? s : null;
  }

  /** The GPU model whose name (without NVIDIA/Tesla/GeForce) is the longest prefix of this device name. */
  public Optional<GpuModel> gpu(String deviceName) throws KbException {
    String n = strip(deviceName);
    GpuModel best = null;
    for (GpuModel g : gpus()) {
      String key = g.match().toLowerCase(Locale.ROOT);
      if (n.startsWith(key) && (n.length() == key.length() || !Character.isLetterOrDigit(n.charAt(key.length())))
          && (best == null || key.length() > best.match().length())) {
        best = g;
      }
    }
    return Optional.ofNullable(best);
  }

  private static String strip(String name) {
    String n = name.strip().toLowerCase(Locale.ROOT);
    for (String p : List.of("nvidia ", "tesla ", "geforce ")) {
      if (n.startsWith(p)) {
        n = n.substring(p.length()).strip();
      }
    }
    return n;
  }

  private List<Map<?, ?>> rows(String file) throws KbException {
    Object t = table(file);
    if (!(t instanceof Map<?, ?> m) || !(m.get("rows") instanceof List<?> rows)) {
      throw new KbException(file + ": no \"rows\" array");
    }
    List<Map<?, ?>> out = new ArrayList<>();
    for (Object r : rows) {
      if (!(r instanceof Map<?, ?> row)) {
        throw new KbException(file + ": a row is not an object");
      }
      out.add(row);
    }
    return out;
  }

  private Object table(String file) throws KbException {
    String text;
    try {
      if (dir != null && Files.isRegularFile(dir.resolve(file))) {
        text = Files.readString(dir.resolve(file), StandardCharsets.UTF_8);
      } else {
        try (InputStream in = KnowledgeBase.class.getResourceAsStream("/kb/" + file)) {
          if (in == null) {
            throw new KbException("the knowledge base has no " + file);
          }
          text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
      return Json.parse(text);
    } catch (IOException e) {
      throw new KbException(file + ": " + e.getMessage());
    } catch (JsonException e) {
      throw new KbException(file + ": " + e.getMessage());
    }
  }

  private static String string(Object o, String what) throws KbException {
    if (!(o instanceof String s) || s.isBlank()) {
      throw new KbException("missing or empty " + what);
    }
    return s;
  }

  private static long number(Object o, String what) throws KbException {
    if (!(o instanceof Long l)) {
      throw new KbException(what + " is not a whole number");
    }
    return l;
  }
}
