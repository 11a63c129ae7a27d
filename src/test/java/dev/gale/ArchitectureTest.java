package dev.gale;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The README's package table, held true: each package of the library imports only the Gale
 * packages its row names (and itself). Arrows point down: {@code nn} never sees a backend, a
 * backend never sees {@code nn}, and only {@code cli} sees the command line.
 */
class ArchitectureTest {

    /** Package (under dev.gale) and the other Gale packages it may import. */
    static final Map<String, Set<String>> MAY_IMPORT = Map.ofEntries(
            Map.entry("nn", Set.of()),
            Map.entry("data", Set.of()),
            Map.entry("compute", Set.of()),
            Map.entry("compute.cpu", Set.of("compute")),
            Map.entry("compute.reference", Set.of("compute")),
            Map.entry("compute.tornado", Set.of("compute")),
            Map.entry("io", Set.of("nn", "data")),
            Map.entry("train", Set.of("nn", "compute", "data")),
            Map.entry("run", Set.of("train", "io", "data", "nn", "compute")),
            Map.entry("cli", Set.of("run", "train", "io", "data", "nn", "compute")),
            Map.entry("spark", Set.of("run", "train", "io", "data", "nn", "compute")));

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.gale");

    static Stream<Arguments> packages() {
        return MAY_IMPORT.keySet().stream().sorted().map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("packages")
    void importsOnlyWhatItsRowAllows(String name) {
        List<String> forbidden = MAY_IMPORT.keySet().stream()
                .filter(other -> !other.equals(name) && !MAY_IMPORT.get(name).contains(other))
                .map(other -> "dev.gale." + other).toList();
        noClasses().that().resideInAPackage("dev.gale." + name)
                .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(String[]::new))
                .allowEmptyShould(true)
                .check(MAIN);
    }
}
