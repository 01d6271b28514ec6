package dev.cudastack.cli;

import dev.cudastack.kb.KbException;
import dev.cudastack.kb.KnowledgeBase;
import dev.cudastack.model.Snapshot;
import dev.cudastack.plan.Plan;
import dev.cudastack.plan.Planner;
import dev.cudastack.plan.Project;
import dev.cudastack.plan.ProjectReader;
import dev.cudastack.plan.Target;
import dev.cudastack.report.PlanReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

/**
 * {@code cudastack plan PATH}: a working stack for a project on this machine, a tree, a snapshot, or
 * a described one. Built as a programmatic picocli spec, not from annotations: reading annotations
 * costs picocli reflection and dynamic proxies (which the AOT cache cannot hold) at every start, and
 * plan's budget is 100 ms.
 */
final class PlanCommand implements Callable<Integer> {
  private final Map<String, String> env;
  private CommandSpec spec;
  private Path path;
  private TargetOptions target;
  private List<String> gpus;
  private String driver;
  private List<String> toolkits;
  private String python;
  private boolean keepPins;
  private boolean newest;
  private String cuda;
  private boolean noBuild;
  private Path constraints;
  private boolean json;

  private PlanCommand(Map<String, String> env) {
    this.env = env;
  }

  /** The plan subcommand: its options, help and version, run by {@link #call()}. */
  static CommandLine commandLine(Map<String, String> env) {
    PlanCommand command = new PlanCommand(env);
    CommandSpec spec = CommandSpec.wrapWithoutInspection(command).name("plan").versionProvider(new CudastackCommand.Version());
    spec.usageMessage().description(
        "Plan a project's Python stack onto a machine: a verdict per pin, the resolved stack with every change explained, and the steps.",
        "PATH is a requirements file, pyproject.toml, environment.yml, setup.py, Dockerfile or a project directory; nothing is executed or installed.",
        "Exit 0 when the project works as written, 1 when the plan changes something, 3 on bad input.");
    spec.addPositional(PositionalParamSpec.builder().paramLabel("PATH").type(Path.class).description("A dependency file or a project directory.").build());
    TargetOptions.addTo(spec);
    spec.addOption(OptionSpec.builder("--gpu").paramLabel("NAME").type(List.class).auxiliaryTypes(String.class)
        .description("Plan for a described machine: a GPU model (repeatable), e.g. \"H100\".").build());
    spec.addOption(OptionSpec.builder("--driver").paramLabel("VERSION").type(String.class).description("The described machine's driver, e.g. 535.104.05.").build());
    spec.addOption(OptionSpec.builder("--toolkit").paramLabel("X.Y").type(List.class).auxiliaryTypes(String.class)
        .description("A CUDA toolkit installed on the described machine (repeatable).").build());
    spec.addOption(OptionSpec.builder("--python-version").paramLabel("X.Y").type(String.class)
        .description("The Python to plan for (default: the target's active environment); `--python X.Y` means the same.").build());
    spec.addOption(flag("--keep-pins", "Change only what cannot work."));
    spec.addOption(flag("--newest", "The newest stack that works."));
    spec.addOption(OptionSpec.builder("--cuda").paramLabel("cuXYZ").type(String.class).description("Force a CUDA variant of torch, e.g. cu121.").build());
    spec.addOption(flag("--no-build", "Avoid anything that compiles CUDA code locally."));
    spec.addOption(OptionSpec.builder("--write-constraints").paramLabel("FILE").type(Path.class)
        .description("Write the plan as a pip constraints file (refuses to overwrite).").build());
    spec.addOption(flag("--json", "Machine-readable: target, verdicts, stack, commands, env."));
    spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help message and exit.").build());
    spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true).description("Print version information and exit.").build());
    command.spec = spec;
    return new CommandLine(spec);
  }

  private static OptionSpec flag(String name, String description) {
    return OptionSpec.builder(name).arity("0").type(boolean.class).description(description).build();
  }

  /** Reads the parsed values (the spec has no annotated fields to fill). */
  private void read(ParseResult pr) {
    path = pr.matchedPositionalValue(0, null);
    target = TargetOptions.from(pr);
    gpus = new ArrayList<>(pr.matchedOptionValue("--gpu", List.<String>of()));
    driver = pr.matchedOptionValue("--driver", null);
    toolkits = new ArrayList<>(pr.matchedOptionValue("--toolkit", List.<String>of()));
    python = pr.matchedOptionValue("--python-version", null);
    keepPins = pr.hasMatchedOption("--keep-pins");
    newest = pr.hasMatchedOption("--newest");
    cuda = pr.matchedOptionValue("--cuda", null);
    noBuild = pr.hasMatchedOption("--no-build");
    constraints = pr.matchedOptionValue("--write-constraints", null);
    json = pr.hasMatchedOption("--json");
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    read(spec.commandLine().getParseResult());
    if (path == null) {
      err.println("cudastack: plan needs a PATH: a dependency file or a project directory");
      return ExitCodes.TOOL_FAILED;
    }
    if (!Files.exists(path)) {
      err.println("cudastack: " + path + ": no such file or directory");
      return ExitCodes.TOOL_FAILED;
    }
    if (cuda != null && !cuda.matches("cu\\d{2,3}")) {
      err.println("cudastack: --cuda must look like cu121, not '" + cuda + "'");
      return ExitCodes.TOOL_FAILED;
    }
    // `--python 3.10` names a Python version to plan for (the spelling); a prefix or an
    // interpreter path is an environment to read, as for the doctor.
    for (String v : List.copyOf(target.pythons)) {
      if (v.matches("\\d+\\.\\d+(\\.\\d+)?")) {
        target.pythons.remove(v);
        if (python == null) {
          python = v;
        }
      }
    }
    if (driver != null && !driver.matches("\\d+(\\.\\d+){1,2}")) {
      err.println("cudastack: a driver version looks like 535.104.05, not '" + driver + "'");
      return ExitCodes.TOOL_FAILED;
    }
    for (String tk : toolkits) {
      if (!tk.matches("\\d+\\.\\d+(\\.\\d+)?")) {
        err.println("cudastack: a toolkit version looks like 12.6, not '" + tk + "'");
        return ExitCodes.TOOL_FAILED;
      }
    }
    boolean described = !gpus.isEmpty() || driver != null || !toolkits.isEmpty();
    if (described && !target.pythons.isEmpty()) {
      err.println("cudastack: for a described machine --python takes a version such as 3.10, not '" + target.pythons.getFirst() + "'");
      return ExitCodes.TOOL_FAILED;
    }
    if (described && (target.root != null || target.snapshot != null || target.envFile != null)) {
      err.println("cudastack: --gpu/--driver/--toolkit describe a machine; they cannot be combined with --root, --env-file or --snapshot");
      return ExitCodes.TOOL_FAILED;
    }
    if (python != null) {
      if (!python.matches("\\d+\\.\\d+(\\.\\d+)?")) {
        err.println("cudastack: a Python version looks like 3.10, not '" + python + "'");
        return ExitCodes.TOOL_FAILED;
      }
      python = python.replaceAll("^(\\d+\\.\\d+).*$", "$1");
    }
    try {
      KnowledgeBase kb = KnowledgeBase.bundled();
      Target t;
      if (described) {
        t = Target.describe(gpus, driver, python, toolkits, kb);
      } else {
        Optional<Snapshot> s = Targets.loadOrExplain(target, env, err);
        if (s.isEmpty()) {
          return ExitCodes.TOOL_FAILED;
        }
        t = Target.of(s.get(), kb, python);
      }
      Project project = ProjectReader.read(path);
      Plan p = new Planner(kb).plan(project, t, new Planner.Options(keepPins, newest, cuda, noBuild));
      if (json) {
        PlanReport.json(p, out);
      } else {
        PlanReport.text(p, out);
      }
      if (constraints != null) {
        if (Files.exists(constraints)) {
          err.println("cudastack: " + constraints + " exists; not overwriting it");
          return ExitCodes.TOOL_FAILED;
        }
        Path dir = constraints.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, ".cudastack-constraints", ".tmp");
        Files.writeString(tmp, PlanReport.constraints(p), StandardCharsets.UTF_8);
        Files.move(tmp, constraints, StandardCopyOption.ATOMIC_MOVE);
        err.println("cudastack: wrote " + constraints);
      }
      // A file that could not be read leaves the verdict partial: not "works as written".
      boolean partial = p.notes().stream().anyMatch(n -> n.contains("cannot read") || n.contains("not read"));
      boolean asWritten = !partial && p.verdicts().stream().allMatch(Plan.Verdict::ok) && p.stack().stream().noneMatch(Plan.Entry::changed);
      return asWritten ? ExitCodes.OK : ExitCodes.WARNINGS;
    } catch (KbException e) {
      err.println("cudastack: knowledge base: " + e.getMessage());
      return ExitCodes.TOOL_FAILED;
    } catch (IOException e) {
      err.println("cudastack: cannot write " + constraints + ": " + e.getMessage());
      return ExitCodes.TOOL_FAILED;
    }
  }
}
