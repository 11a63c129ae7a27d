package dev.gale.cli;

import dev.gale.data.Download;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "download", mixinStandardHelpOptions = true, description = "Downloads a data set into a folder, checking each file's SHA-256.")
final class DownloadCommand implements Callable<Integer> {

    @Parameters(paramLabel = "SET", description = "fashion-mnist")
    String set;

    @Option(names = "--to", required = true, paramLabel = "DIR", description = "The folder to download into.")
    Path folder;

    @Option(names = "--url", defaultValue = Download.FASHION_MNIST_URL, paramLabel = "URL",
            description = "Where the files are (default ${DEFAULT-VALUE}).")
    URI url;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!set.equals("fashion-mnist")) {
            throw new IllegalArgumentException("gale can download fashion-mnist, not '" + set + "'");
        }
        spec.commandLine().getErr().println("gale: downloading Fashion-MNIST from " + url + " into " + folder);
        Download.all(url, Download.FASHION_MNIST, folder);
        spec.commandLine().getErr().println("gale: Fashion-MNIST is in " + folder + " (checksums verified)");
        return 0;
    }
}
