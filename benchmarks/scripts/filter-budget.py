#!/usr/bin/env python3
"""CPU cost per request of each filter, from an async-profiler CPU profile (collapsed stacks) of a load-test window.

Usage: filter-budget.py FILE.collapsed REQUESTS [INTERVAL_US=1000]

A sample counts for a filter when the filter is on its stack and the chain was not continued below it (the next
filter, the next Netty handler): what the filter itself spent, not the work it handed on. Each sample is INTERVAL_US
of CPU (the profiler interval, 1 ms by default in load-test.sh), so samples x interval / requests is µs per request.
"""
import collections
import re
import sys

path=sys.argv[1]; reqs=float(sys.argv[2]); iv=float(sys.argv[3]) if len(sys.argv)>3 else 1000.0
CONT=re.compile(r'DefaultGatewayFilterChain\.filter$|DefaultWebFilterChain\.filter$|DefaultWebFilterChain\.invokeFilter$|AbstractChannelHandlerContext\.fireChannelRead$|ChannelHandlerContext\.fireChannelRead$')
items=[
 ('Netty: RequestLineGuard (method, target, header screen)', r'RequestLineGuard\.channelRead$'),
 ('  of which RequestHeadScreen', r'RequestHeadScreen\.screen$'),
 ('WebFilter: AccessLogWebFilter (request id, timer, log line)', r'AccessLogWebFilter\.(filter|record|lambda.*)$'),
 ('  of which EdgeMetrics.recordRequest', r'EdgeMetrics\.recordRequest$'),
 ('WebFilter: PathNormalizationWebFilter', r'PathNormalizationWebFilter\.filter$'),
 ('Global: RouteMethodsGlobalFilter', r'RouteMethodsGlobalFilter\.filter$'),
 ('Global: AuthenticationGlobalFilter (token, cache, revocation, access rule)', r'AuthenticationGlobalFilter\.(filter|lambda.*|checkRevocation.*|authorize.*)$'),
 ('  of which BearerToken.from', r'BearerToken\.from$'),
 ('  of which VerifiedTokenCache', r'VerifiedTokenCache\.\w+$'),
 ('  of which revocation check', r'RevocationChecker\.check$|RevocationView\.statusOf$'),
 ('Global: RateLimitGlobalFilter (lease, headers)', r'RateLimitGlobalFilter\.(filter|lambda.*|record.*)$'),
 ('Global: UpstreamResilienceGlobalFilter (breaker, retry)', r'UpstreamResilienceGlobalFilter\.(filter|lambda.*|withRetries|breakerOf)$'),
 ('SCG: RouteToRequestUrlFilter', r'RouteToRequestUrlFilter\.filter$'),
 ('SCG: route lookup (RoutePredicateHandlerMapping)', r'RoutePredicateHandlerMapping\.\w+$'),
 ('SCG: NettyRoutingFilter (HTTP client, request build)', r'NettyRoutingFilter\.(filter|lambda.*)$'),
 ('  header filters (all)', r'HttpHeadersFilter\.filterRequest$'),
 ('  SCG RemoveForwardedHeadersFilter', r'RemoveForwardedHeadersFilter\.filter$'),
 ('  SCG RemoveXForwardedHeadersFilter', r'RemoveXForwardedHeadersFilter\.filter$'),
 ('  SCG RemoveHopByHopHeadersFilter', r'RemoveHopByHopHeadersFilter\.filter$'),
 ('  SCG TransferEncodingNormalizationHeadersFilter', r'TransferEncodingNormalizationHeadersFilter\.filter$'),
 ('  Portcullis ForwardedHopHeadersFilter', r'ForwardedHopHeadersFilter\.filter$'),
 ('  Portcullis UpstreamIdentityHeadersFilter (identity + HMAC)', r'UpstreamIdentityHeadersFilter\.filter$'),
 ('SCG: NettyWriteResponseFilter', r'NettyWriteResponseFilter\.(filter|lambda.*)$'),
 ('Redis client (Lettuce threads)', r'^io/lettuce'),
 ('GC', r'G1|GC Thread|gc/'),
 ('JIT compiler', r'Compile'),
]
tot=0; c=collections.Counter()
for line in open(path):
    st,_,n=line.rstrip().rpartition(' '); n=int(n); tot+=n
    fr=[re.sub(r"\$\$Lambda.*","$$L",re.sub(r"_\[.\]$","",f)) for f in st.split(';')]
    for name,p in items:
        rx=re.compile(p)
        if name.startswith('GC') or name.startswith('JIT'):
            if re.search(p,st): c[name]+=n
            continue
        if name.startswith('Redis client'):
            if 'lettuce' in st and 'SingleThreadIoEventLoop' in st and 'reactor/netty' not in st: c[name]+=n
            continue
        idx=[i for i,f in enumerate(fr) if rx.search(f)]
        if not idx: continue
        last=idx[-1]
        if any(CONT.search(f) for f in fr[last+1:]): continue
        c[name]+=n
us_per_sample=iv
print('total %.1f µs/req of profiled CPU (%d samples, %d requests)'%(tot*us_per_sample/reqs, tot, reqs))
for name,_ in items:
    print('%-72s %6.1f µs  %5.1f%%'%(name, c[name]*us_per_sample/reqs, 100*c[name]/tot))
