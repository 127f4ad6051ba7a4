package dev.portcullis.gateway.security;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import dev.portcullis.contract.TokenClaims;
import dev.portcullis.gateway.keys.JwksKeyStore;
import dev.portcullis.jwt.AudienceValidator;
import dev.portcullis.jwt.RequiredClaimsValidator;
import dev.portcullis.jwt.TimestampValidator;
import dev.portcullis.jwt.TokenLifetimeValidator;
import java.util.List;
import java.util.Set;

/**
 * One issuer whose tokens the edge accepts, with everything needed to verify them: its key set (and only its key
 * set), its algorithm allow-list and {@code typ} policy, its claim rules and where its tokens carry the identity.
 *
 * @param id          the configured id ({@code portcullis.jwt.issuers.<id>}; {@value JwtProperties#DEFAULT_ISSUER_ID}
 *                    for the default issuer), named by route policies ({@code issuers}) and revocation keys
 * @param issuer      the exact {@code iss}
 * @param algorithms  the JWS algorithms its tokens may use
 * @param typ         what its tokens' {@code typ} header may be
 * @param keys        its key set
 * @param validator   its claim rules: required timestamps, audience, {@code exp}/{@code nbf}/{@code iat}, lifetime
 * @param mapping     where its tokens carry the identity
 */
public record TrustedIssuer(
        String id,
        String issuer,
        Set<JWSAlgorithm> algorithms,
        JwtProperties.TokenType typ,
        JwksKeyStore keys,
        ClaimsValidator validator,
        ClaimMapping mapping) {

    static TrustedIssuer of(String id, JwtProperties.Issuer settings, JwksKeyStore keys) {
        ClaimsValidator validator = ClaimsValidator.delegating(List.of(
                // the subject and token id are read where the issuer's claim mapping says, and required there
                ClaimsValidator.of(RequiredClaimsValidator.of(TokenClaims.EXPIRES_AT, TokenClaims.ISSUED_AT)),
                ClaimsValidator.of(new AudienceValidator(settings.audiences())),
                ClaimsValidator.of(new TimestampValidator(settings.clockSkew())),
                ClaimsValidator.of(new TokenLifetimeValidator(settings.maxTokenLifetime()))));
        return new TrustedIssuer(id, settings.issuer(), settings.allowedAlgorithms(), settings.typ(), keys, validator,
                new ClaimMapping(id, settings.claims()));
    }

    /**
     * RFC 9068's {@code at+jwt} (also written {@code application/at+jwt}, compared case-insensitively); issuers with
     * {@code typ: jwt} also have {@code JWT} and an absent {@code typ} accepted. Nothing else (an ID token's or a
     * logout token's type, say) is ever an access token.
     */
    boolean acceptsType(JOSEObjectType type) {
        if (type == null) {
            return typ == JwtProperties.TokenType.JWT;
        }
        String value = type.getType();
        if (TokenClaims.ACCESS_TOKEN_TYPE.equalsIgnoreCase(value)
                || ("application/" + TokenClaims.ACCESS_TOKEN_TYPE).equalsIgnoreCase(value)) {
            return true;
        }
        return typ == JwtProperties.TokenType.JWT && "JWT".equalsIgnoreCase(value);
    }
}
