package dev.portcullis.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.portcullis.gateway.support.GatewayIntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.context.ApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.web.server.WebExceptionHandler;
import org.springframework.web.server.WebFilter;

/**
 * The README's request-path diagram is the request path: it names every filter Portcullis registers, and in the order
 * their {@link EdgeFilterOrder} constants give them.
 */
class RequestPathOrderIntegrationTest extends GatewayIntegrationTest {

    /** A step line of the diagram: {@code ├─ 8 AuthenticationGlobalFilter ...}. */
    private static final Pattern STEP = Pattern.compile("[├└]─ (\\d+) ([A-Z][A-Za-z]+)");

    @Autowired
    ApplicationContext context;

    @Test
    void readmeDiagramNamesEveryRegisteredFilterInTheOrderOfItsConstant() throws IOException {
        List<String> steps = readmeSteps();
        // the Netty handlers come first, before any Spring filter exists for the request
        assertThat(steps.subList(0, 2)).containsExactly("RequestLineGuard", "RequestHeadScreen");

        // the kinds in the order a request meets them: web filters, global filters, header filters, then the error handler
        List<Class<?>> kinds = List.of(WebFilter.class, GlobalFilter.class, HttpHeadersFilter.class, WebExceptionHandler.class);
        Map<String, int[]> registered = new LinkedHashMap<>();
        for (int kind = 0; kind < kinds.size(); kind++) {
            for (Object bean : context.getBeansOfType(kinds.get(kind)).values()) {
                if (bean.getClass().getPackageName().startsWith("dev.portcullis")) {
                    registered.put(bean.getClass().getSimpleName(), new int[] {kind, ((Ordered) bean).getOrder()});
                }
            }
        }
        List<String> filterSteps = steps.subList(2, steps.size());
        assertThat(filterSteps).containsExactlyInAnyOrderElementsOf(registered.keySet());

        for (int i = 1; i < filterSteps.size(); i++) {
            String previous = filterSteps.get(i - 1);
            String step = filterSteps.get(i);
            int[] before = registered.get(previous);
            int[] now = registered.get(step);
            assertThat(now[0]).as("%s is of a kind that runs after %s", step, previous).isGreaterThanOrEqualTo(before[0]);
            if (now[0] == before[0]) {
                assertThat(now[1]).as("the order of %s, drawn after %s", step, previous).isGreaterThanOrEqualTo(before[1]);
            }
        }
    }

    /** The class names of the diagram's steps, in the diagram's order; their numbers count up from 1. */
    static List<String> readmeSteps() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("## The request path");
        String section = readme.substring(start, readme.indexOf("\n## ", start + 1));
        List<String> steps = new ArrayList<>();
        Matcher step = STEP.matcher(section);
        while (step.find()) {
            assertThat(Integer.parseInt(step.group(1))).as("step numbers count up").isEqualTo(steps.size() + 1);
            steps.add(step.group(2));
        }
        return steps;
    }
}
