package dev.portcullis.auth.web;

import java.net.InetAddress;

/** An IPv4 or IPv6 network such as {@code 10.0.0.0/8}; a bare address is a /32 or /128. */
record CidrRange(byte[] network, int prefix) {

    static CidrRange parse(String key, String cidr) {
        String[] parts = cidr.trim().split("/", 2);
        InetAddress address = ClientIpResolver.parseLiteral(parts[0]);
        if (address == null) {
            throw new IllegalArgumentException(key + ": not an IP address or CIDR: " + cidr);
        }
        byte[] bytes = address.getAddress();
        int prefix;
        try {
            prefix = parts.length == 2 ? Integer.parseInt(parts[1]) : bytes.length * 8;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": bad prefix length in " + cidr, e);
        }
        if (prefix < 0 || prefix > bytes.length * 8) {
            throw new IllegalArgumentException(key + ": bad prefix length in " + cidr);
        }
        return new CidrRange(bytes, prefix);
    }

    boolean contains(InetAddress address) {
        byte[] candidate = address.getAddress();
        if (candidate.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (candidate[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xff << (8 - rest);
        return (candidate[full] & mask) == (network[full] & mask);
    }
}
