package dev.cudastack.kb;

import java.util.List;
import java.util.Optional;

/** The PyTorch wheel matrix: records of torch.json and the lookups over them. */
public final class Torch {
  private Torch() {}

  /** Default index of a variant's wheels; "{variant}" is replaced by e.g. "cu121". */
  public static final String INDEX = "https://download.pytorch.org/whl/{variant}";

  /** One minor release (e.g. "2.5") with its patches and CUDA variants. */
  public record Release(String id, String release, String python, List<Patch> patches, String pypiDefault, List<Variant> variants,
      String triton, String note, String evidence, String source, String checked) {
    static Release of(Row r) {
      return new Release(r.str("id"), r.str("release"), r.str("python"), r.rows("patches", Patch::of), r.str("pypiDefault"), r.rows("variants", Variant::of),
          r.str("triton"), r.str("note"), r.str("evidence"), r.str("source"), r.str("checked"));
    }

    public Optional<Patch> patch(String version) {
      return patches.stream().filter(p -> p.version().equals(version)).findFirst();
    }

    public Optional<Variant> variant(String cuda) {
      return variants.stream().filter(v -> v.cuda().equals(cuda)).findFirst();
    }

    /** The variants a patch release was built for (a patch may list fewer than its minor). */
    public List<Variant> variantsOf(Patch p) {
      if (p.variants().isEmpty()) {
        return variants;
      }
      return variants.stream().filter(v -> p.variants().contains(v.cuda())).toList();
    }

    /** Whether an interpreter ("3.12.4") is in a patch's Python range, compared on major.minor. */
    public boolean supportsPython(Patch p, String python) {
      Optional<Version> v = Version.parse(python);
      Optional<VersionRange> range = VersionRange.parse(pythonOf(p));
      return v.isPresent() && range.isPresent() && range.get().contains(Version.of(v.get().major() + "." + v.get().minor()));
    }

    /** The Python range of a patch (its own, else the release's). */
    public String pythonOf(Patch p) {
      return p.python() != null ? p.python() : python;
    }
  }

  /** One patch release with its companion torchvision and torchaudio. */
  public record Patch(String version, String torchvision, String torchaudio, String python, List<String> variants, String index) {
    static Patch of(Row r) {
      return new Patch(r.str("version"), r.str("torchvision"), r.str("torchaudio"), r.str("python"), r.strings("variants"), r.str("index"));
    }
  }

  /** One CUDA variant (cu121) of a release's wheels. */
  public record Variant(String cuda, String archs, String archEvidence, String archSource, String cudnn, String nccl, List<String> pins,
      String index, boolean experimental) {
    static Variant of(Row r) {
      return new Variant(r.str("cuda"), r.str("archs"), r.str("archEvidence"), r.str("archSource"), r.str("cudnn"), r.str("nccl"), r.strings("pins"),
          r.str("index"), r.bool("experimental"));
    }

    /** The CUDA version, "12.1" for cu121, "13.0" for cu130, "9.2" for cu92. */
    public String cudaVersion() {
      return cudaOf(cuda);
    }

    public Optional<ArchList> archList() {
      return ArchList.parse(archs);
    }
  }

  /** A version looked up: its release, its patch when known, and the variant its local label names. */
  public record Match(String version, Release release, Optional<Patch> patch, Optional<Variant> variant) {}

  /** A local label of a build that cannot use an NVIDIA GPU ("cpu", "cpu.cxx11.abi", "rocm6.2"). */
  public static boolean nonCudaLabel(String local) {
    return local != null && (local.startsWith("cpu") || local.startsWith("rocm"));
  }

  /** "cu121" → "12.1", "cu92" → "9.2", "cu130" → "13.0"; null for anything else. */
  public static String cudaOf(String variant) {
    if (variant == null || !variant.startsWith("cu") || variant.length() < 4 || variant.length() > 5) {
      return null;
    }
    String d = variant.substring(2);
    for (int i = 0; i < d.length(); i++) {
      if (!Character.isDigit(d.charAt(i))) {
        return null;
      }
    }
    return Integer.parseInt(d.substring(0, d.length() - 1)) + "." + d.charAt(d.length() - 1);
  }

  /** "12.1" → "cu121". */
  public static String variantOf(String cuda) {
    Optional<Version> v = Version.parse(cuda);
    return v.map(x -> "cu" + x.major() + x.minor()).orElse(null);
  }

  /** The pip index URL that serves a variant of a patch. */
  public static String indexUrl(Patch p, Variant v) {
    String template = p != null && p.index() != null ? p.index() : v.index() != null ? v.index() : INDEX;
    return template.replace("{variant}", v.cuda());
  }

  /**
   * The pip command that installs a patch release of one variant with its companions, as an
   * argument list: torch, torchvision and torchaudio pinned, from the variant's index.
   */
  public static List<String> pipInstall(Patch p, Variant v) {
    List<String> cmd = new java.util.ArrayList<>(List.of("pip", "install", "torch==" + p.version()));
    if (p.torchvision() != null) {
      cmd.add("torchvision==" + p.torchvision());
    }
    if (p.torchaudio() != null) {
      cmd.add("torchaudio==" + p.torchaudio());
    }
    cmd.add("--index-url");
    cmd.add(indexUrl(p, v));
    return List.copyOf(cmd);
  }
}
