package dev.portcullis.orders.servicetoken;

import io.netty.channel.ChannelOption;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.netty.http.client.HttpClient;

/** Wires the client-credentials client and the token cache. */
@Configuration(proxyBeanMethods = false)
class ServiceTokenConfiguration {

    @Bean
    ServiceTokenCache serviceTokenCache(ServiceTokenProperties properties, Clock clock) {
        HttpClient http = HttpClient.create()
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.toIntExact(properties.timeout().toMillis()))
                .responseTimeout(properties.timeout());
        WebClient client = WebClient.builder().clientConnector(new ReactorClientHttpConnector(http)).build();
        return new ServiceTokenCache(new ClientCredentialsClient(client, properties, clock), clock);
    }
}
