package dev.portcullis.gateway.support;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The test JVM's name resolver: the JDK's own, plus a record of every host name looked up, so that a test can prove
 * that client data (an {@code X-Forwarded-For} entry) never becomes a DNS query. Registered through
 * {@code META-INF/services}; resolution itself is unchanged.
 */
public final class RecordingAddressResolverProvider extends InetAddressResolverProvider {

    private static final Set<String> lookedUp = ConcurrentHashMap.newKeySet();

    /** Whether {@code host} was ever resolved by name in this JVM. */
    public static boolean wasLookedUp(String host) {
        return lookedUp.contains(host);
    }

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                lookedUp.add(host);
                return builtin.lookupByName(host, policy);
            }

            @Override
            public String lookupByAddress(byte[] address) throws UnknownHostException {
                return builtin.lookupByAddress(address);
            }
        };
    }

    @Override
    public String name() {
        return "recording";
    }
}
