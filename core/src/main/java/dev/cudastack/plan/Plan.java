package dev.cudastack.plan;

import java.util.List;

/**
 * A plan: the verdict on each requirement as written, the resolved stack (every change with its
 * reason; packages the knowledge base does not cover kept and marked not checked), the environment
 * lines and commands in order, and notes. Nothing is installed or run.
 */
public record Plan(Target target, Project project, List<Verdict> verdicts, List<Entry> stack, List<String> env, List<String> commands, String conda,
    List<String> notes) {
  public Plan {
    verdicts = List.copyOf(verdicts);
    stack = List.copyOf(stack);
    env = List.copyOf(env);
    commands = List.copyOf(commands);
    notes = List.copyOf(notes);
  }

  /** A requirement as written: whether it works on the target, the codes, why. */
  public record Verdict(String name, String spec, boolean ok, List<String> codes, String why, String origin) {
    public Verdict {
      codes = List.copyOf(codes);
    }
  }

  /** One package of the resolved stack. {@code checked} is false for packages the knowledge base does not cover. */
  public record Entry(String name, String version, String variant, String indexUrl, boolean changed, boolean checked, String reason) {}
}
