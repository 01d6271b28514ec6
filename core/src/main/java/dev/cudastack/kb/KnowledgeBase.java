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
import java.util.concurrent.ConcurrentHashMap;

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
  private final Map<String, Object> parsed = new ConcurrentHashMap<>();
  private final Map<String, List<?>> typed = new ConcurrentHashMap<>();

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

  /** The real architectures a range of toolkit minors compiles for ("75", "120"), and the a/f targets. */
  public record ToolkitArchs(String id, String from, String to, List<String> archs, List<String> specific, String added, String removed,
      String deprecated, String note, String evidence, String source, String checked) {
    static ToolkitArchs of(Row r) {
      return new ToolkitArchs(r.str("id"), r.str("from"), r.str("to"), r.strings("archs"), r.strings("specific"), nz(r.str("added")), nz(r.str("removed")),
          nz(r.str("deprecated")), r.str("note"), r.str("evidence"), r.str("source"), r.str("checked"));
    }

    /** The architectures as compute-capability numbers (75, 120), lowest first. */
    public List<Integer> numbers() {
      return archs.stream().map(Integer::parseInt).sorted().toList();
    }
  }

  /** The newest host GCC and Clang major a toolkit's nvcc accepts; null where not known. */
  public record HostCompilerLimit(String id, String toolkit, Integer gccMax, Integer clangMax, String evidence, String source, String checked) {
    static HostCompilerLimit of(Row r) {
      return new HostCompilerLimit(r.str("id"), r.str("toolkit"), r.integer("gccMax"), r.integer("clangMax"), r.str("evidence"), r.str("source"), r.str("checked"));
    }
  }

  /** One CUDA build of a cuDNN release: for a major, a range of its minors. */
  public record CudnnBuild(int cudaMajor, String cuda) {
    static CudnnBuild of(Row r) {
      Integer major = r.integer("cudaMajor");
      return new CudnnBuild(major == null ? 0 : major, r.str("cuda"));
    }
  }

  public record CudnnRelease(String id, String versions, List<CudnnBuild> builds, String minCc, String maxCc, String note, String evidence,
      String source, String checked) {
    static CudnnRelease of(Row r) {
      return new CudnnRelease(r.str("id"), r.str("versions"), r.rows("builds", CudnnBuild::of), r.str("minCc"), r.str("maxCc"), r.str("note"), r.str("evidence"),
          r.str("source"), r.str("checked"));
    }
  }

  /** A CUDA release and the newest PTX ISA it emits (and its driver JITs). */
  public record PtxIsa(String id, String cuda, String ptxIsa, String evidence, String source, String checked) {
    static PtxIsa of(Row r) {
      return new PtxIsa(r.str("id"), r.str("cuda"), r.str("ptxIsa"), r.str("evidence"), r.str("source"), r.str("checked"));
    }
  }

  /** A limit of minor-version compatibility (no JIT of newer PTX: error 222; newer-driver features: 36). */
  public record MinorCompatCaveat(String id, String caveat, String detail, Integer errorCode, String source, String checked) {
    static MinorCompatCaveat of(Row r) {
      return new MinorCompatCaveat(r.str("id"), r.str("caveat"), r.str("detail"), r.integer("errorCode"), r.str("source"), r.str("checked"));
    }
  }

  public record ForwardCompatFact(String id, String fact, Integer errorCode, List<String> segments, String evidence, String source, String checked) {
    static ForwardCompatFact of(Row r) {
      return new ForwardCompatFact(r.str("id"), r.str("fact"), r.integer("errorCode"), r.strings("segments"), r.str("evidence"), r.str("source"), r.str("checked"));
    }
  }

  /** What a toolkit can compile for a GPU. */
  public enum ArchOutcome {
    /** nvcc has this exact architecture. */
    SUPPORTED,
    /** nvcc lacks it but can build a lower minor of the same major, which runs on it (not the default target). */
    LOWER_MINOR_ONLY,
    /** The architecture is newer than this nvcc knows. */
    TOO_NEW,
    /** This nvcc dropped the architecture. */
    TOO_OLD,
    UNKNOWN
  }

  public record ArchVerdict(String toolkit, int cc, ArchOutcome outcome, boolean assumed, String explanation) {}

  /** The host compiler limit that applies to a toolkit: its own row, or the nearest older one. */
  public record CompilerLimit(String toolkit, HostCompilerLimit row, boolean exact, String explanation) {}

  /** A torch build that runs on a GPU, and how. */
  public record TorchBuild(Torch.Release release, Torch.Variant variant, ArchList.Fit fit) {}

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

  // ---- tables read into records by name

  private <T> List<T> records(String file, String key, java.util.function.Function<Row, T> reader) throws KbException {
    String cacheKey = file + "#" + key;
    List<?> cached = typed.get(cacheKey);
    if (cached == null) {
      Object t = table(file);
      if (!(t instanceof Map<?, ?> m) || !(m.get(key) instanceof List<?> rows)) {
        throw new KbException(file + ": no \"" + key + "\" array");
      }
      List<T> out = new ArrayList<>();
      for (int i = 0; i < rows.size(); i++) {
        try {
          out.add(reader.apply(new Row(rows.get(i), key + "[" + i + "]")));
        } catch (Row.Bad e) {
          throw new KbException(file + ": " + e.getMessage());
        }
      }
      cached = List.copyOf(out);
      typed.put(cacheKey, cached);
    }
    @SuppressWarnings("unchecked")
    List<T> result = (List<T>) cached;
    return result;
  }

  public List<ToolkitArchs> toolkitArchs() throws KbException {
    return records("toolkit-archs.json", "rows", ToolkitArchs::of);
  }

  public List<HostCompilerLimit> hostCompilers() throws KbException {
    return records("host-compilers.json", "rows", HostCompilerLimit::of);
  }

  public List<CudnnRelease> cudnnReleases() throws KbException {
    return records("cudnn.json", "rows", CudnnRelease::of);
  }

  /** What to do about each finding code, in one sentence (signatures.json "fixes"). */
  public record CodeFix(String code, String fix, String source) {
    static CodeFix of(Row r) {
      return new CodeFix(r.str("code"), r.str("fix"), r.str("source"));
    }
  }

  public List<CodeFix> codeFixes() throws KbException {
    return records("signatures.json", "fixes", CodeFix::of);
  }

  public List<LogSignature> signatures() throws KbException {
    return records("signatures.json", "rows", LogSignature::of);
  }

  public List<PtxIsa> ptxIsa() throws KbException {
    return records("ptx-isa.json", "rows", PtxIsa::of);
  }

  /** The newest PTX ISA a driver supporting CUDA {@code cuda} can JIT ("12.6" → "8.5"); a newer CUDA than known gets the newest known, empty for older. */
  public Optional<String> maxPtxIsa(String cuda) throws KbException {
    Optional<Version> c = Version.parse(cuda);
    if (c.isEmpty()) {
      return Optional.empty();
    }
    String best = null;
    for (PtxIsa p : ptxIsa()) {
      if (Version.of(p.cuda()).compareTo(c.get()) <= 0) {
        best = p.ptxIsa();
      }
    }
    return Optional.ofNullable(best);
  }

  public List<MinorCompatCaveat> minorCompatCaveats() throws KbException {
    return records("minor-compat.json", "caveats", MinorCompatCaveat::of);
  }

  public List<ForwardCompatFact> forwardCompat() throws KbException {
    return records("forward-compat.json", "rows", ForwardCompatFact::of);
  }

  public List<Torch.Release> torchReleases() throws KbException {
    return records("torch.json", "rows", Torch.Release::of);
  }

  public List<Bnb.Release> bnbReleases() throws KbException {
    return records("bitsandbytes.json", "rows", Bnb.Release::of);
  }

  public List<Bnb.Message> bnbMessages() throws KbException {
    return records("bitsandbytes.json", "messages", Bnb.Message::of);
  }

  public List<Gates.Gate> gates() throws KbException {
    return records("build-gates.json", "rows", Gates.Gate::of);
  }

  public List<Gates.DeepSpeedAllowList> deepspeedAllowLists() throws KbException {
    return records("build-gates.json", "deepspeed", Gates.DeepSpeedAllowList::of);
  }

  public List<Gates.CompilerBounds> compilerBounds() throws KbException {
    return records("build-gates.json", "compilerBounds", Gates.CompilerBounds::of);
  }

  public List<Gates.FlashAttnWheels> flashAttnWheels() throws KbException {
    return records("build-gates.json", "flashAttn", Gates.FlashAttnWheels::of);
  }

  public List<Gates.XformersRelease> xformers() throws KbException {
    return records("build-gates.json", "xformers", Gates.XformersRelease::of);
  }

  public Optional<Gates.Gate> gate(String id) throws KbException {
    return gates().stream().filter(g -> g.id().equals(id)).findFirst();
  }

  /** DeepSpeed's allow-list for a DeepSpeed version ("0.9.4"). */
  public Optional<Gates.DeepSpeedAllowList> deepspeed(String version) throws KbException {
    Optional<Version> v = Version.parse(version);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    return deepspeedAllowLists().stream().filter(d -> VersionRange.of(d.versions()).contains(v.get())).findFirst();
  }

  /** The architecture row of a toolkit ("12.4"); a toolkit newer than every row gets the newest, marked assumed. */
  public Optional<ArchVerdictRow> toolkitArchs(String toolkit) throws KbException {
    Optional<Version> v = Version.parse(toolkit);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    Version mm = Version.of(v.get().major() + "." + v.get().minor());
    List<ToolkitArchs> all = toolkitArchs();
    for (ToolkitArchs a : all) {
      if (mm.compareTo(Version.of(a.from())) >= 0 && mm.compareTo(Version.of(a.to())) <= 0) {
        return Optional.of(new ArchVerdictRow(a, false));
      }
    }
    ToolkitArchs newest = all.getLast();
    return mm.compareTo(Version.of(newest.to())) > 0 ? Optional.of(new ArchVerdictRow(newest, true)) : Optional.empty();
  }

  /** A toolkit's architecture row, and whether it was assumed from an older toolkit's. */
  public record ArchVerdictRow(ToolkitArchs row, boolean assumed) {}

  /** Whether the toolkit's nvcc can compile for a GPU of compute capability {@code cc} (e.g. 90). */
  public ArchVerdict archVerdict(String toolkit, int cc) throws KbException {
    Optional<ArchVerdictRow> r = toolkitArchs(toolkit);
    String gpu = "compute capability " + ArchList.dotted(cc);
    if (r.isEmpty()) {
      return new ArchVerdict(toolkit, cc, ArchOutcome.UNKNOWN, false, "the knowledge base has no architecture list for CUDA " + toolkit);
    }
    List<Integer> nums = r.get().row().numbers();
    boolean assumed = r.get().assumed();
    String whose = assumed ? "CUDA " + toolkit + " (assumed to match " + r.get().row().id() + ", the newest the knowledge base knows)" : "CUDA " + toolkit;
    if (nums.contains(cc)) {
      return new ArchVerdict(toolkit, cc, ArchOutcome.SUPPORTED, assumed, whose + " compiles for sm_" + cc);
    }
    if (cc < nums.getFirst()) {
      return new ArchVerdict(toolkit, cc, ArchOutcome.TOO_OLD, assumed,
          whose + " cannot compile for " + gpu + ": its oldest architecture is sm_" + nums.getFirst() + (r.get().row().removed().isEmpty() ? "" : " (removed: " + r.get().row().removed() + ")"));
    }
    Integer lower = null;
    for (int n : nums) {
      if (n / 10 == cc / 10 && n < cc) {
        lower = n;
      }
    }
    if (lower != null) {
      return new ArchVerdict(toolkit, cc, ArchOutcome.LOWER_MINOR_ONLY, assumed,
          whose + " has no sm_" + cc + "; it can build sm_" + lower + ", which runs on " + gpu + ", but builds that target the GPU's own architecture fail");
    }
    return new ArchVerdict(toolkit, cc, ArchOutcome.TOO_NEW, assumed,
        whose + " does not know " + gpu + " (newest architecture sm_" + nums.getLast() + ")");
  }

  /** The host compiler limit for a toolkit: its row, or the nearest older toolkit's, said so. */
  public Optional<CompilerLimit> hostCompiler(String toolkit) throws KbException {
    Optional<Version> v = Version.parse(toolkit);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    Version mm = Version.of(v.get().major() + "." + v.get().minor());
    HostCompilerLimit best = null;
    for (HostCompilerLimit h : hostCompilers()) {
      Version hv = Version.of(h.toolkit());
      if (hv.compareTo(mm) <= 0 && (best == null || hv.compareTo(Version.of(best.toolkit())) > 0)) {
        best = h;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    boolean exact = Version.of(best.toolkit()).compareTo(mm) == 0;
    String limits = "gcc <= " + best.gccMax() + ", clang <= " + best.clangMax();
    return Optional.of(new CompilerLimit(mm.toString(), best, exact, exact ? "CUDA " + mm + " accepts " + limits
        : "the knowledge base has no host-compiler row for CUDA " + mm + "; using CUDA " + best.toolkit() + "'s (" + limits + ") as a lower bound"));
  }

  /** The cuDNN row covering a cuDNN version ("9.1.0.70"). */
  public Optional<CudnnRelease> cudnn(String version) throws KbException {
    Optional<Version> v = Version.parse(version);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    CudnnRelease hit = null;
    for (CudnnRelease c : cudnnReleases()) {
      if (VersionRange.of(c.versions()).contains(v.get())) {
        hit = c; // later rows are narrower or newer; the last match wins
      }
    }
    return Optional.ofNullable(hit);
  }

  /**
   * A torch version ("2.5.1+cu121", "2.6.0", "2.5"): its release, its patch, and the variant its
   * local label names (or, without a label, the release's PyPI default where known).
   */
  public Optional<Torch.Match> torch(String version) throws KbException {
    Optional<Version> v = Version.parse(version);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    String minor = v.get().major() + "." + v.get().minor();
    for (Torch.Release r : torchReleases()) {
      if (r.release().equals(minor)) {
        String pub = v.get().public_().toString();
        Optional<Torch.Patch> patch = r.patch(pub);
        String local = v.get().local();
        Optional<Torch.Variant> variant = local != null ? r.variant(local) : r.pypiDefault() != null ? r.variant(r.pypiDefault()) : Optional.empty();
        return Optional.of(new Torch.Match(version, r, patch, variant));
      }
    }
    return Optional.empty();
  }

  /** Every official torch build whose compiled architectures run on a GPU of compute capability {@code cc}. */
  public List<TorchBuild> torchBuildsFor(int cc) throws KbException {
    List<TorchBuild> out = new ArrayList<>();
    for (Torch.Release r : torchReleases()) {
      for (Torch.Variant var : r.variants()) {
        Optional<ArchList> a = var.archList();
        if (a.isPresent() && a.get().fit(cc) != ArchList.Fit.NONE) {
          out.add(new TorchBuild(r, var, a.get().fit(cc)));
        }
      }
    }
    return out;
  }

  /** The bitsandbytes row covering a version ("0.41.1"). */
  public Optional<Bnb.Release> bnb(String version) throws KbException {
    Optional<Version> v = Version.parse(version);
    if (v.isEmpty()) {
      return Optional.empty();
    }
    for (Bnb.Release b : bnbReleases()) {
      if (b.contains(v.get())) {
        return Optional.of(b);
      }
    }
    return Optional.empty();
  }

  private static String nz(String s) {
    return s == null ? "" : s;
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
    Object hit = parsed.get(file);
    if (hit == null) {
      hit = readTable(file);
      parsed.put(file, hit);
    }
    return hit;
  }

  private Object readTable(String file) throws KbException {
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
