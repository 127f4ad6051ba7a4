package dev.portcullis.orders.order;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/** The body of {@code POST /orders}: {@code {"items":[{"productId":"p-1","quantity":2}]}}. */
record NewOrder(@NotEmpty @Size(max = 20) List<@NotNull @Valid Item> items) {

    /** One requested line; the price is not the client's to say, product-service supplies it. */
    record Item(
            @NotBlank @Pattern(regexp = "[A-Za-z0-9_-]{1,64}", message = "must be a product id") String productId,
            @NotNull @Min(1) @Max(100) Integer quantity) {
    }
}
