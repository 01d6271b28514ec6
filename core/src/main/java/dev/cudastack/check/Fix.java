package dev.cudastack.check;

import dev.cudastack.model.JsonTag;
import java.util.List;

/**
 * A typed way out: change an environment variable, install packages, or run a command. Fixes are
 * printed (and, for the environment part, written as a script by {@code cudastack fix}); nothing
 * is ever installed or run by cudastack.
 */
@JsonTag("kind")
public sealed interface Fix permits Fix.SetEnv, Fix.PrependEnv, Fix.UnsetEnv, Fix.Install, Fix.RunCommand {
  /** One line saying what the fix does. */
  String why();

  /** The fix as one shell line (POSIX sh syntax). */
  String shell();

  /** export NAME=value */
  record SetEnv(String name, String value, String why) implements Fix {
    @Override
    public String shell() {
      return "export " + name + "=" + Shell.quote(value);
    }
  }

  /** export NAME=dir:$NAME (the directory first, once). */
  record PrependEnv(String name, String value, String why) implements Fix {
    @Override
    public String shell() {
      // PATH is always set; for the others an empty value must not leave a trailing ':' (the current directory).
      return "export " + name + "=" + Shell.quote(value) + (name.equals("PATH") ? ":$PATH" : "${" + name + ":+:$" + name + "}");
    }
  }

  /** unset NAME */
  record UnsetEnv(String name, String why) implements Fix {
    @Override
    public String shell() {
      return "unset " + name;
    }
  }

  /**
   * Install packages: {@code tool} is "pip" or "conda"; {@code packages} carry exact versions
   * (and local labels where needed); {@code indexUrl} the index that serves them, if not PyPI.
   */
  record Install(String tool, List<String> packages, String indexUrl, String why) implements Fix {
    public Install {
      packages = List.copyOf(packages);
    }

    /** The command as an argument list. */
    public List<String> argv() {
      List<String> a = new java.util.ArrayList<>(List.of(tool, "install"));
      a.addAll(packages);
      if (indexUrl != null) {
        a.add(tool.equals("pip") ? "--index-url" : "-c");
        a.add(indexUrl);
      }
      return List.copyOf(a);
    }

    @Override
    public String shell() {
      return String.join(" ", argv().stream().map(Shell::quote).toList());
    }
  }

  /** Run a command (given as an argument list). */
  record RunCommand(List<String> argv, String why) implements Fix {
    public RunCommand {
      argv = List.copyOf(argv);
    }

    @Override
    public String shell() {
      return String.join(" ", argv.stream().map(Shell::quote).toList());
    }
  }

  /** True for the fixes that change the environment (what {@code cudastack fix} writes). */
  default boolean environmental() {
    return this instanceof SetEnv || this instanceof PrependEnv || this instanceof UnsetEnv;
  }
}
