package dev.loraforge.contracts.fuzz;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, one request per connection, for the fuzz test: it sends the request target exactly
 * as given (a malformed percent escape included, which {@link java.net.URI} refuses to build) and reads the answer,
 * whole or chunked.
 */
public final class RawHttp {

    /** A status, the headers (names lower-cased) and the body, decoded from chunks. */
    public record Answer(int status, Map<String, String> headers, byte[] body) {
        public String contentType() {
            return headers.getOrDefault("content-type", "");
        }
    }

    private RawHttp() {
    }

    public static Answer send(int port, String method, String target, Map<String, String> headers, byte[] body)
            throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(30_000);
            StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: localhost:").append(port).append("\r\nConnection: close\r\n");
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            if (body != null) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            if (body != null) {
                try {
                    out.write(body);
                } catch (IOException e) {
                    // the server may answer (413) and close before the body is sent: read what it said
                }
            }
            out.flush();
            InputStream in = new BufferedInputStream(socket.getInputStream());
            String statusLine = line(in);
            if (statusLine == null || !statusLine.startsWith("HTTP/1.")) {
                throw new IOException("no HTTP answer: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.split(" ")[1]);
            Map<String, String> answerHeaders = new TreeMap<>();
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                int colon = h.indexOf(':');
                if (colon > 0) {
                    answerHeaders.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
                }
            }
            byte[] answerBody;
            if (method.equals("HEAD") || answerHeaders.getOrDefault("content-type", "").startsWith("text/event-stream")) {
                answerBody = new byte[0];
            } else if ("chunked".equalsIgnoreCase(answerHeaders.get("transfer-encoding"))) {
                answerBody = chunks(in);
            } else if (answerHeaders.containsKey("content-length")) {
                answerBody = in.readNBytes(Integer.parseInt(answerHeaders.get("content-length")));
            } else {
                answerBody = in.readAllBytes();
            }
            return new Answer(status, answerHeaders, answerBody);
        }
    }

    private static byte[] chunks(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            String size = line(in);
            if (size == null) {
                return out.toByteArray();
            }
            int semicolon = size.indexOf(';');
            int n = Integer.parseInt((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
            if (n == 0) {
                return out.toByteArray();
            }
            out.write(in.readNBytes(n));
            line(in);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                out.write(c);
            }
        }
        return c < 0 && out.size() == 0 ? null : out.toString(StandardCharsets.ISO_8859_1);
    }
}
