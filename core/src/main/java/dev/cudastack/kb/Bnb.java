package dev.cudastack.kb;

import java.util.List;
import java.util.Map;

/** bitsandbytes releases: records of bitsandbytes.json. */
public final class Bnb {
  private Bnb() {}

  /**
   * A range of releases that ship the same CUDA binaries and pick them the same way.
   * {@code binaries} are the digits of libbitsandbytes_cuda&lt;XY&gt;.so; {@code selection} is
   * "libcudart" or "torch"; {@code fallback} is cpu-quiet, cpu-warning, error or error-deferred.
   */
  public record Release(String id, String versions, List<String> binaries, boolean nocublaslt, String selection, String fallback,
      Map<String, String> minCc, String python, String torch, String archs, String note, String evidence, String source, String checked) {
    static Release of(Row r) {
      return new Release(r.str("id"), r.str("versions"), r.strings("binaries"), r.bool("nocublaslt"), r.str("selection"), r.str("fallback"),
          r.stringMap("minCc"), r.str("python"), r.str("torch"), r.str("archs"), r.str("note"), r.str("evidence"), r.str("source"), r.str("checked"));
    }

    public boolean contains(Version v) {
      return VersionRange.of(versions).contains(v);
    }

    /** The binary file a CUDA version needs, e.g. "libbitsandbytes_cuda121.so". */
    public static String fileFor(String digits, boolean nocublaslt) {
      return "libbitsandbytes_cuda" + digits + (nocublaslt ? "_nocublaslt" : "") + ".so";
    }
  }

  /** A message an era of bitsandbytes prints, for matching logs. */
  public record Message(String id, String versions, String text, String kind, String source) {
    static Message of(Row r) {
      return new Message(r.str("id"), r.str("versions"), r.str("text"), r.str("kind"), r.str("source"));
    }
  }
}
