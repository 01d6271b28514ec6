package dev.cudastack.kb;

import java.util.List;
import java.util.Map;

/** What stops CUDA extension builds: records of build-gates.json. */
public final class Gates {
  private Gates() {}

  /** One tool's rule in words and the message it prints. */
  public record Gate(String id, String tool, String rule, String message, String minCuda, String minCc, String source, String checked) {
    static Gate of(Row r) {
      return new Gate(r.str("id"), r.str("tool"), r.str("rule"), r.str("message"), r.str("minCuda"), r.str("minCc"), r.str("source"), r.str("checked"));
    }
  }

  /** DeepSpeed's cuda_minor_mismatch_ok for a range of DeepSpeed versions: major → accepted minors. */
  public record DeepSpeedAllowList(String id, String versions, Map<String, List<String>> allow, String source, String checked) {
    static DeepSpeedAllowList of(Row r) {
      return new DeepSpeedAllowList(r.str("id"), r.str("versions"), r.listMap("allow"), r.str("source"), r.str("checked"));
    }

    /** Whether nvcc and torch's CUDA (both "major.minor") pass DeepSpeed's check. */
    public boolean accepts(String nvcc, String torchCuda) {
      if (nvcc.equals(torchCuda)) {
        return true;
      }
      String major = nvcc.substring(0, Math.max(0, nvcc.indexOf('.')));
      List<String> ok = allow.get(major);
      return ok != null && torchCuda.startsWith(major + ".") && ok.contains(nvcc) && ok.contains(torchCuda);
    }
  }

  /** torch's host-compiler bounds per CUDA minor: "[6.0.0,16.0)" (inclusive lower, exclusive upper). */
  public record CompilerBounds(String id, String torch, String compiler, Map<String, String> bounds, String note, String source, String checked) {
    static CompilerBounds of(Row r) {
      return new CompilerBounds(r.str("id"), r.str("torch"), r.str("compiler"), r.stringMap("bounds"), r.str("note"), r.str("source"), r.str("checked"));
    }
  }

  /** flash-attn's prebuilt wheel matrix for a range of its versions. */
  public record FlashAttnWheels(String id, String versions, List<String> wheelTorch, List<String> wheelCuda, String python, String note,
      String source, String checked) {
    static FlashAttnWheels of(Row r) {
      return new FlashAttnWheels(r.str("id"), r.str("versions"), r.strings("wheelTorch"), r.strings("wheelCuda"), r.str("python"), r.str("note"), r.str("source"), r.str("checked"));
    }
  }

  /** An xformers release and the one torch it is built against. */
  public record XformersRelease(String id, String versions, String torch, List<String> variants, String note, String source, String checked) {
    static XformersRelease of(Row r) {
      return new XformersRelease(r.str("id"), r.str("versions"), r.str("torch"), r.strings("variants"), r.str("note"), r.str("source"), r.str("checked"));
    }
  }
}
