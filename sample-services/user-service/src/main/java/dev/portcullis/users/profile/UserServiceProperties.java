package dev.portcullis.users.profile;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code portcullis.users.*}: the profiles the in-memory store starts with.
 *
 * @param seed profiles known before anyone calls; keyed by the user id the auth service puts into {@code sub}
 */
@Validated
@ConfigurationProperties("portcullis.users")
public record UserServiceProperties(@NotNull @DefaultValue @Valid List<Seed> seed) {

    /** One seeded profile. */
    public record Seed(@NotBlank String id, @NotBlank String displayName, String email) {
    }
}
