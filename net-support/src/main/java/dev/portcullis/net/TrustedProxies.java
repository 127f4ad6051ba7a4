package dev.portcullis.net;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The address blocks whose {@code X-Forwarded-For} is believed, such as {@code 10.0.0.0/8} or {@code ::1/128}; a bare
 * address is a block of one. Matching is Netty's {@link IpSubnetFilterRule}: an IPv4 block never matches an IPv6
 * address and the other way round (an IPv4-mapped IPv6 address is parsed as the IPv4 address it maps). Host bits
 * below the prefix are ignored, as in every CIDR notation ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}).
 */
public final class TrustedProxies {

    private final List<IpSubnetFilterRule> blocks;

    private TrustedProxies(List<IpSubnetFilterRule> blocks) {
        this.blocks = blocks;
    }

    /**
     * Parses the configured blocks; a wrong one fails start-up with a message naming {@code key}.
     *
     * @param key    the configuration key the blocks came from, for the error message
     * @param blocks addresses or CIDR blocks
     */
    public static TrustedProxies parse(String key, List<String> blocks) {
        return new TrustedProxies(blocks.stream().map(block -> block(key, block)).toList());
    }

    /** Whether {@code address} lies in one of the blocks. */
    public boolean contains(InetAddress address) {
        InetSocketAddress socket = new InetSocketAddress(address, 0);
        for (IpSubnetFilterRule block : blocks) {
            if (block.matches(socket)) {
                return true;
            }
        }
        return false;
    }

    private static IpSubnetFilterRule block(String key, String text) {
        String[] parts = text.strip().split("/", -1);
        if (parts.length > 2) {
            throw new IllegalArgumentException(key + ": '" + text + "' is not an IP address or CIDR block");
        }
        InetAddress network = IpLiteral.address(parts[0]).orElseThrow(() ->
                new IllegalArgumentException(key + ": '" + text + "' is not an IP address or CIDR block"));
        int bits = network.getAddress().length * 8;
        int prefix = parts.length == 2 ? prefixLength(key, text, parts[1], bits) : bits;
        return new IpSubnetFilterRule(network, prefix, IpFilterRuleType.ACCEPT);
    }

    private static int prefixLength(String key, String text, String value, int bits) {
        boolean digits = !value.isEmpty() && value.length() <= 3 && value.chars().allMatch(c -> c >= '0' && c <= '9');
        int prefix = digits ? Integer.parseInt(value) : -1;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException(key + ": '" + text + "' has an invalid prefix length (0.." + bits + ")");
        }
        return prefix;
    }
}
