package dev.portcullis.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository's files are, seen from the deploy module's tests. */
final class Repo {

    private Repo() {
    }

    /** The repository root: surefire passes it as {@code portcullis.root}; an IDE run from deploy/ falls back to "..". */
    static Path root() {
        String configured = System.getProperty("portcullis.root");
        Path root = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath().getParent();
        root = root.toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("docker-compose.yml"))) {
            throw new IllegalStateException("not the Portcullis repository root: " + root);
        }
        return root;
    }

    static Path file(String relative) {
        return root().resolve(relative);
    }
}
