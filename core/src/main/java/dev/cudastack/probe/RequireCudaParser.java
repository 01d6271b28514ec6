package dev.cudastack.probe;

import dev.cudastack.model.ContainerInfo.Clause;
import dev.cudastack.model.ContainerInfo.Condition;
import dev.cudastack.model.ContainerInfo.RequireCuda;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NVIDIA_REQUIRE_CUDA as the NVIDIA container runtime reads it: space-separated clauses, each a
 * comma-separated list of {@code key op value} conditions; the {@code cuda>=X} condition is the
 * image's CUDA requirement, and the other clauses are alternatives that admit older drivers.
 */
final class RequireCudaParser {
  private static final Pattern COND = Pattern.compile("([a-zA-Z_]+)\\s*(>=|<=|==|=|>|<)\\s*([^\\s,]+)");

  private static final Pattern SPACES = Pattern.compile("\\s+");

  private RequireCudaParser() {}

  static Optional<RequireCuda> parse(String raw) {
    String minimum = null;
    List<Clause> alternatives = new ArrayList<>();
    for (String clause : SPACES.split(raw.strip())) {
      if (clause.isEmpty()) {
        continue;
      }
      List<Condition> conds = new ArrayList<>();
      for (String part : clause.split(",")) {
        Matcher m = COND.matcher(part.strip());
        if (m.matches()) {
          conds.add(new Condition(m.group(1).toLowerCase(java.util.Locale.ROOT), m.group(2), m.group(3)));
        }
      }
      if (conds.size() == 1 && conds.getFirst().key().equals("cuda") && conds.getFirst().op().equals(">=")) {
        minimum = conds.getFirst().value();
      } else if (!conds.isEmpty()) {
        alternatives.add(new Clause(conds));
      }
    }
    if (minimum == null && alternatives.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new RequireCuda(minimum, alternatives, raw.strip()));
  }
}
