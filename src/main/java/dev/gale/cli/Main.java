package dev.gale.cli;

import dev.gale.train.TrainingDivergedException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code gale} command: user mistakes end in one {@code gale: error:} line and a non-zero exit. */
@Command(name = "gale", mixinStandardHelpOptions = true, version = "gale 0.1.0",
        description = "Trains multi-layer perceptrons on the JVM.",
        subcommands = {TrainCommand.class, EvaluateCommand.class, PredictCommand.class, GradcheckCommand.class,
                ExportCommand.class, DevicesCommand.class, DownloadCommand.class})
public final class Main {

    /** Failures the user can fix; {@code 2} is picocli's code for a bad command line. */
    static final int FAILED = 1;
    static final int INTERRUPTED = 130;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "Show stack traces of errors.")
    boolean debug;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = commandLine();
        try {
            return cli.execute(args);
        } catch (OutOfMemoryError e) {
            // picocli hands only Exceptions to the handler below; an Error reaches here.
            cli.getErr().println("gale: error: " + message(e));
            cli.getErr().flush();
            return FAILED;
        }
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        // Later options win, so that scripts/train's defaults can be overridden on its command line.
        cli.setOverwrittenOptionsAllowed(true);
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            PrintWriter err = line.getErr();
            err.println("gale: error: " + message(e));
            if (debug(parsed)) {
                e.printStackTrace(err);
            }
            err.flush();
            return FAILED;
        });
        cli.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("gale: error: " + e.getMessage());
            err.println("gale: see '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'");
            err.flush();
            return e.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
        });
        return cli;
    }

    /** --debug may follow the subcommand too ({@code gale train --debug}), where its own parse result holds it. */
    private static boolean debug(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult part = parsed; part != null; part = part.subcommand()) {
            if (part.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }

    /** The one line a user sees; an unexpected failure names its type, since its message may be empty. */
    static String message(Throwable e) {
        return switch (e) {
            case UncheckedIOException u -> u.getCause().getMessage();
            case IOException io -> io.getMessage();
            case IllegalArgumentException a -> a.getMessage();
            case IllegalStateException s -> s.getMessage();
            case TrainingDivergedException d -> d.getMessage();
            case OutOfMemoryError oom -> "out of memory: give Java more heap with JAVA_OPTS=-Xmx8g";
            default -> e.getClass().getSimpleName() + ": " + e.getMessage() + " (run with --debug for details)";
        };
    }
}
