package dev.portcullis.products.catalog;

import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.math.BigDecimal;

/** The body of {@code POST /products}; each broken rule becomes one entry of the 400 problem's {@code errors}. */
record NewProduct(
        @NotBlank @Size(max = 200) String name,
        @Size(max = 2000) String description,
        @NotNull @DecimalMin(value = "0.00", inclusive = false) @Digits(integer = 9, fraction = 2) BigDecimal price) {
}
