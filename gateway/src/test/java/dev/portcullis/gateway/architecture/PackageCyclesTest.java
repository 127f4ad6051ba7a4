package dev.portcullis.gateway.architecture;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * The starter's feature packages ({@code security}, {@code keys}, {@code policy}, {@code revocation}, ...) depend on
 * each other in one direction only: a package can be read, tested and changed without the ones that use it.
 */
class PackageCyclesTest {

    /** No cycle between the packages directly under {@code root}, each with its subpackages. */
    static ArchRule noCyclesBetweenFeaturePackages(String root) {
        return slices().matching(root + ".(*)..").namingSlices("$1").should().beFreeOfCycles();
    }

    @Test
    void theStartersFeaturePackagesDependOnEachOtherInOneDirection() {
        JavaClasses starter = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.portcullis.gateway");
        // the rule sees the real starter, not an empty class path
        assertThat(starter.stream().map(c -> c.getPackageName()).distinct())
                .contains("dev.portcullis.gateway.security", "dev.portcullis.gateway.keys", "dev.portcullis.gateway.policy",
                        "dev.portcullis.gateway.revocation", "dev.portcullis.gateway.token", "dev.portcullis.gateway.web");

        noCyclesBetweenFeaturePackages("dev.portcullis.gateway").check(starter);
    }

    @Test
    void theRuleFailsOnTwoPackagesThatUseEachOther() {
        JavaClasses fixture = new ClassFileImporter().importPackages("dev.portcullis.gateway.architecture.fixture");

        assertThatThrownBy(() -> noCyclesBetweenFeaturePackages("dev.portcullis.gateway.architecture.fixture").check(fixture))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Cycle detected")
                .hasMessageContaining("left")
                .hasMessageContaining("right");
    }
}
