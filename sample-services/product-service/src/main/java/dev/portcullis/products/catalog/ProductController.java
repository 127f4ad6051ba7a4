package dev.portcullis.products.catalog;

import dev.portcullis.servicesupport.Locations;
import org.springframework.http.server.reactive.ServerHttpRequest;
import dev.portcullis.products.caller.Caller;
import dev.portcullis.servicesupport.problem.Problems;
import jakarta.validation.Valid;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * {@code /products}. Reading needs an identified user or a service token with {@code products:read}; adding needs
 * the permission (user) or scope (service) {@code products:write}.
 */
@RestController
@RequestMapping("/products")
final class ProductController {

    static final String READ = "products:read";
    static final String WRITE = "products:write";

    private final ProductCatalog catalog;

    ProductController(ProductCatalog catalog) {
        this.catalog = catalog;
    }

    @GetMapping
    Mono<List<Product>> list(Caller caller) {
        caller.requireRead(READ);
        return Mono.just(catalog.all());
    }

    @GetMapping("/{id}")
    Mono<Product> byId(Caller caller, @PathVariable String id) {
        caller.requireRead(READ);
        return Mono.justOrEmpty(catalog.find(id))
                .switchIfEmpty(Mono.error(() -> Problems.notFound("No product with id '" + id + "'.")));
    }

    /** Authorisation is checked before the body is read, so an unauthorised caller learns nothing about validation. */
    @PostMapping
    Mono<ResponseEntity<Product>> add(Caller caller, @Valid @RequestBody Mono<NewProduct> body, ServerHttpRequest http) {
        caller.requireWrite(WRITE);
        return body.map(catalog::add)
                .map(product -> ResponseEntity.created(Locations.of(http, "/products/" + product.id())).body(product));
    }
}
