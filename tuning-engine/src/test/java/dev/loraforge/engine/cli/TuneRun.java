package dev.loraforge.engine.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One {@code tune} command run in this JVM, as the CLI tests drive it: its exit code and what it printed. */
record TuneRun(int code, String out, String err) {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The last line of standard output (a command's closing summary). */
    String lastLine() {
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }

    /** The last line of standard output as JSON. */
    com.fasterxml.jackson.databind.JsonNode lastJson() throws java.io.IOException {
        return JSON.readTree(lastLine());
    }

    /** Standard output read as one JSON document a line (the {@code --json} output of a command). */
    java.util.List<com.fasterxml.jackson.databind.JsonNode> json() throws java.io.IOException {
        java.util.List<com.fasterxml.jackson.databind.JsonNode> lines = new java.util.ArrayList<>();
        for (String line : out.strip().split("\n")) {
            lines.add(JSON.readTree(line));
        }
        return lines;
    }

    /** Runs {@code tune args...} with standard output and error captured. */
    static TuneRun tune(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Tune.run(args);
            return new TuneRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
