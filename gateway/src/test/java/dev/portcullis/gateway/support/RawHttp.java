package dev.portcullis.gateway.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 written byte for byte over a socket, for what HTTP clients refuse or normalise before sending ({@code ..},
 * backslashes, {@code %2e}) and for sequences they never produce (several requests in one write): the point is to see
 * what the gateway does with exactly these bytes. Test-thread only (it blocks).
 */
public final class RawHttp {

    private RawHttp() {
    }

    /** The parts of a response that tests look at; header names are lower case. */
    public record Response(int status, Map<String, String> headers, String body) {

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** One GET on a connection of its own, closed after the response. */
    public static Response get(int port, String target, String... headerLines) {
        return send(port, "GET", target, headerLines);
    }

    /**
     * One request with any method token (as written, case included) on a connection of its own, closed after the
     * response. The target's characters are written as ISO-8859-1 bytes, so {@code "\u00e9"} is the single raw byte
     * {@code 0xE9}.
     */
    public static Response send(int port, String method, String target, String... headerLines) {
        String[] lines = java.util.Arrays.copyOf(headerLines, headerLines.length + 1);
        lines[headerLines.length] = "Connection: close";
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(request(port, method, target, lines));
            out.flush();
            return read(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The bytes of one GET request, to write alone or several in one write. */
    public static byte[] request(int port, String target, String... headerLines) {
        return request(port, "GET", target, headerLines);
    }

    /** The bytes of one request with the given method token. */
    public static byte[] request(int port, String method, String target, String... headerLines) {
        StringBuilder request = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: localhost:").append(port).append("\r\n");
        for (String line : headerLines) {
            request.append(line).append("\r\n");
        }
        return request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * Exactly one response: its head, then a chunked, a {@code Content-Length} or (neither) a close-delimited body.
     * Reads no further, so the next response on a connection that stays open can be read after it.
     */
    public static Response read(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || head.lastIndexOf("\r\n\r\n") != head.length() - 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed after: " + head);
            }
            head.append((char) b);
        }
        String[] lines = head.toString().split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            int size;
            while ((size = Integer.parseInt(readLine(in).split(";")[0].trim(), 16)) > 0) {
                body.write(in.readNBytes(size));
                readLine(in);
            }
            readLine(in);
        } else if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else {
            in.transferTo(body);
        }
        return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }
}
