package dev.cudastack.cli;

/** The documented exit codes (README, "Exit codes"). */
final class ExitCodes {
  static final int OK = 0;
  static final int WARNINGS = 1;
  static final int ERRORS = 2;
  static final int TOOL_FAILED = 3;

  private ExitCodes() {}
}
