package dev.portcullis.gateway.explain;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * Why the edge would answer a request as it would: the route, every check in the order the edge runs them, and the
 * answer the client would get. Never holds the token, its signature or claim values beyond those a check compared
 * (the required permissions and which of them are missing, say; never the subject or the token's other claims).
 *
 * @param route    the id of the route the request matches, or null when none does
 * @param checks   each check run, in order, up to the first failure
 * @param decision what the client would get
 */
public record Explanation(String route, List<Check> checks, Decision decision) {

    /**
     * @param check   the check's stable name ({@code path}, {@code route}, {@code method}, {@code rule}, {@code bearer},
     *                {@code route_policy}, {@code size}, {@code parse}, {@code issuer}, {@code algorithm}, {@code typ}, {@code key},
     *                {@code signature}, {@code required_claims}, {@code audience}, {@code timestamps}, {@code lifetime},
     *                {@code identity_claims}, {@code route_issuers}, {@code revocation}, {@code policy},
     *                {@code rate_limit})
     * @param outcome {@code pass}, {@code fail} or {@code skip}
     * @param reason  the stable reason code of a failure ({@code RejectionReason} tag, the problem's {@code reason})
     * @param detail  the failure's description, as the client's problem document says it
     * @param facts   what the check compared
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Check(String check, String outcome, String reason, String detail, Map<String, Object> facts) {
    }

    /**
     * @param outcome {@code allow} (the request goes upstream) or {@code refuse}
     * @param status  the status the client gets (for {@code allow}, the upstream's; 0 here)
     * @param reason  the refusal's reason code, or null
     * @param headers the response headers the refusal sets ({@code WWW-Authenticate}, {@code Retry-After}, {@code Allow})
     * @param problem the problem document the client gets (without its per-request {@code request_id}), or null
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Decision(String outcome, int status, String reason, Map<String, String> headers,
                           Map<String, Object> problem) {
    }
}
