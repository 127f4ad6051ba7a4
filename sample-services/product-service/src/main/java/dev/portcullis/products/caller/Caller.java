package dev.portcullis.products.caller;

import dev.portcullis.servicesupport.identity.Identity;
import dev.portcullis.servicesupport.problem.Problems;
import java.util.Set;

/**
 * Who calls the product-service: a user the gateway identified, or another service that presented its own
 * client-credentials token. A controller method declares a {@code Caller} parameter and asks it for a right.
 */
public sealed interface Caller {

    /** Fails with 403 unless this caller may read the catalogue. */
    void requireRead(String scope);

    /** Fails with 403 unless this caller may change the catalogue. */
    void requireWrite(String permissionOrScope);

    /** A user behind the gateway: any identified user may read; writing needs the permission. */
    record User(Identity identity) implements Caller {

        @Override
        public void requireRead(String scope) {
            // Reading the catalogue is open to every identified user; the gateway routes only verified calls.
        }

        @Override
        public void requireWrite(String permission) {
            identity.requirePermission(permission);
        }
    }

    /** Another service, identified by the {@code client_id} of the service token it presented; its scopes decide. */
    record Service(String clientId, Set<String> scopes) implements Caller {

        public Service {
            scopes = Set.copyOf(scopes);
        }

        @Override
        public void requireRead(String scope) {
            requireScope(scope);
        }

        @Override
        public void requireWrite(String scope) {
            requireScope(scope);
        }

        private void requireScope(String scope) {
            if (!scopes.contains(scope)) {
                throw Problems.forbidden("The service token lacks the scope '" + scope + "'.");
            }
        }
    }
}
