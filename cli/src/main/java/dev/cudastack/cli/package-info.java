/**
 * The {@code cudastack} command line: one thin picocli command per subcommand that parses options,
 * calls core, renders and returns a documented exit code. The only place that writes to the
 * terminal.
 */
package dev.cudastack.cli;
