package dev.loraforge.engine.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where the assistant turns lie in a conversation rendered once by its chat template: character
 * spans {@code [start, end)} of the full rendering (without a generation prompt), which
 * {@link ExampleEncoder} maps to tokens through the tokenizer's offsets.
 *
 * <p>A turn's span is what the model has to produce after the generation prompt: the assistant's
 * rendered content and the template's end-of-turn text, e.g. {@code Hello!<|eot_id|>},
 * {@code Hello!<|im_end|>\n}, {@code Hello!<end_of_turn>\n}, {@code Hello!<｜end▁of▁sentence｜>}.
 * That is the text inside Hugging Face's {@code {% generation %}} blocks in TRL's training
 * templates ({@code return_assistant_tokens_mask}, {@code assistant_only_loss}); like TRL's
 * Gemma/LFM2/Qwen3 ones, the whitespace the template writes right after the end-of-turn token
 * (ChatML's and Gemma's {@code \n}) belongs to the turn.
 *
 * <p>The end-of-turn text is found once per template by rendering a probe conversation
 * {@code [user, assistant A, user, assistant B]}: the longest common start of what follows A and
 * what follows B, cut after its first special token and the whitespace right after that token.
 *
 * <p>Turn {@code i} starts where the generation prompt of {@code messages[:i]} ends: at
 * {@code len(render(messages[:i], add_generation_prompt=True))} when that rendering is a prefix of
 * the full one (all appending templates). Otherwise (templates that re-render history, such as
 * Qwen3 or DeepSeek-R1 dropping earlier reasoning): when {@code render(messages[:i])} is a prefix,
 * after the part of the generation prompt that the full rendering writes there (DeepSeek-R1's
 * prompt {@code <｜Assistant｜><think>\n} against a rendered {@code <｜Assistant｜>}); else after the
 * first occurrence of the generation prompt past the previous assistant turn; else (templates with
 * no generation prompt that move text between messages, as Mistral's system prompt into the last
 * user message) after the longest ending of {@code render(messages[:i], True)} found there. The turn ends after the first end-of-turn text from
 * there; a template without one ends the turn where {@code render(messages[:i+1])} ends, or after
 * the content's last line. A turn that does not contain its content's last line (after a closing
 * tag such as {@code </think>}) is refused rather than trained wrongly.
 */
public final class AssistantSpans {

    /** Renders messages, with or without the generation prompt: a chat template with its kwargs bound. */
    @FunctionalInterface
    public interface Renderer {
        String render(List<ChatMessage> messages, boolean addGenerationPrompt);
    }

    /** Characters {@code [start, end)} of the rendered text (UTF-16 indices). */
    public record Span(int start, int end) {
        public boolean overlaps(int from, int to) {
            return from == to ? from >= start && from < end : from < end && to > start;
        }
    }

    /** The full rendering and the spans of its trained assistant turns, in order. */
    public record Rendered(String text, List<Span> trained) {
        public Rendered {
            trained = List.copyOf(trained);
        }
    }

    private static final String PROBE_QUESTION = "LoraForgeProbeQuestion";
    private static final String PROBE_ANSWER_1 = "LoraForgeProbeAnswerOne";
    private static final String PROBE_ANSWER_2 = "LoraForgeProbeAnswerTwo";

    private final Renderer renderer;
    private final Set<String> specialTokens;
    private final String closing;
    private final String endOfTurnToken;

    /**
     * @param renderer the chat template
     * @param specialTokens the tokenizer's special tokens (one of them ends a turn)
     */
    public AssistantSpans(Renderer renderer, Set<String> specialTokens) {
        this.renderer = renderer;
        this.specialTokens = Set.copyOf(specialTokens);
        this.closing = probeClosing();
        int[] token = firstSpecial(closing, 0);
        this.endOfTurnToken = token[2] == 0 ? null : closing.substring(token[0], token[1]);
    }

    /** The text the template writes after an assistant's content to end its turn, e.g. {@code <|im_end|>\n}; empty when none was found. */
    public String closing() {
        return closing;
    }

    /** The special token that ends an assistant turn, e.g. {@code <|eot_id|>}: generation stops on it. */
    public Optional<String> endOfTurnToken() {
        return Optional.ofNullable(endOfTurnToken);
    }

    /** Renders the conversation once and locates its trained assistant turns. */
    public Rendered render(List<ChatMessage> messages) {
        return render(messages, renderer);
    }

    /**
     * As {@link #render(List)} with another renderer of the same template, e.g. one that also passes the
     * example's {@code tools}; the end-of-turn text found at construction still applies.
     */
    public Rendered render(List<ChatMessage> messages, Renderer renderer) {
        String full = renderer.render(messages, false);
        List<Span> trained = new ArrayList<>();
        int cursor = 0;
        for (int i = 0; i < messages.size(); i++) {
            if (!messages.get(i).isAssistant()) {
                continue;
            }
            Span turn = locate(renderer, messages, i, full, cursor);
            if (messages.get(i).trained()) {
                trained.add(turn);
            }
            cursor = turn.end();
        }
        return new Rendered(full, trained);
    }

    private Span locate(Renderer renderer, List<ChatMessage> messages, int i, String full, int cursor) {
        List<ChatMessage> before = messages.subList(0, i);
        String withPrompt = tryRender(renderer, before, true);
        int start;
        if (withPrompt != null && withPrompt.length() >= cursor && full.startsWith(withPrompt)) {
            start = withPrompt.length();
        } else {
            String without = tryRender(renderer, before, false);
            String prompt = withPrompt == null ? "" : without == null ? withPrompt
                    : withPrompt.substring(commonPrefix(withPrompt, without));
            if (without != null && without.length() >= cursor && full.startsWith(without)) {
                // the turn follows the earlier messages at once; the conversation may write only part of the prompt
                int shared = commonPrefix(prompt, full.substring(without.length()));
                if (shared == 0 && !prompt.isEmpty()) {
                    throw notFound(i, "its generation prompt " + quote(prompt) + " does not follow the messages before it");
                }
                start = without.length() + shared;
            } else {
                int at = prompt.isEmpty() ? -1 : full.indexOf(prompt, cursor);
                start = at >= 0 ? at + prompt.length() : afterLongestSuffix(withPrompt != null ? withPrompt : without, full, cursor);
                if (start < 0) {
                    throw notFound(i, "neither its generation prompt " + quote(prompt)
                            + " nor the end of the messages before it is in the rendered conversation");
                }
            }
        }
        String content = messages.get(i).content().strip();
        String lastLine = content.substring(content.lastIndexOf('\n') + 1).strip();
        if (lastLine.lastIndexOf('>') >= 0 && lastLine.lastIndexOf('>') < lastLine.length() - 1) {
            lastLine = lastLine.substring(lastLine.lastIndexOf('>') + 1).strip(); // after a tag such as </think>
        }
        int end;
        if (!closing.isEmpty()) {
            int at = full.indexOf(closing, start);
            if (at < 0) {
                throw notFound(i, "no end-of-turn text " + quote(closing) + " follows it");
            }
            end = at + closing.length();
        } else {
            String through = tryRender(renderer, messages.subList(0, i + 1), false);
            int at = lastLine.isEmpty() ? start : full.indexOf(lastLine, start);
            if (through != null && through.length() > start && full.startsWith(through)) {
                end = through.length();
            } else if (at >= 0) {
                end = at + lastLine.length();
            } else {
                throw notFound(i, "its content is not in the rendered conversation");
            }
        }
        String marker = closing.strip();
        boolean holdsMarker = !marker.isEmpty() && content.contains(marker); // then the turn was cut at it
        if (!lastLine.isEmpty() && !holdsMarker && !full.substring(start, end).contains(lastLine)) {
            throw notFound(i, "the text found for it, " + quote(full.substring(start, end)) + ", does not hold its content");
        }
        for (String name : toolCallNames(messages.get(i))) {
            if (!full.substring(start, end).contains(name)) {
                throw new ChatTemplate.TemplateException("the chat template does not write the tool_calls of messages[" + i
                        + "] (no '" + name + "' in its turn), so they cannot be trained; use a model whose chat template"
                        + " supports tool calls");
            }
        }
        return new Span(start, end);
    }

    /** The function names of a message's {@code tool_calls} (none for a plain message). */
    static List<String> toolCallNames(ChatMessage m) {
        List<String> names = new ArrayList<>();
        if (m.extra().get("tool_calls") instanceof List<?> calls) {
            for (Object call : calls) {
                if (call instanceof java.util.Map<?, ?> c && c.get("function") instanceof java.util.Map<?, ?> f
                        && f.get("name") instanceof String name) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    private String probeClosing() {
        List<ChatMessage> probe = List.of(
                new ChatMessage(ChatMessage.USER, PROBE_QUESTION, false),
                new ChatMessage(ChatMessage.ASSISTANT, PROBE_ANSWER_1, true),
                new ChatMessage(ChatMessage.USER, PROBE_QUESTION, false),
                new ChatMessage(ChatMessage.ASSISTANT, PROBE_ANSWER_2, true));
        String text = tryRender(probe, false);
        if (text == null) {
            return "";
        }
        int a = text.indexOf(PROBE_ANSWER_1);
        int b = text.lastIndexOf(PROBE_ANSWER_2);
        if (a < 0 || b < 0) {
            return "";
        }
        String afterA = text.substring(a + PROBE_ANSWER_1.length());
        String afterB = text.substring(b + PROBE_ANSWER_2.length());
        String common = afterA.substring(0, commonPrefix(afterA, afterB));
        int[] special = firstSpecial(common, 0);
        if (special[2] == 0) {
            return "";
        }
        int end = special[1];
        while (end < common.length() && Character.isWhitespace(common.charAt(end))) {
            end++;
        }
        return common.substring(0, end);
    }

    /** {start, end, found} of the earliest (then longest) special token in {@code s} from {@code from}. */
    private int[] firstSpecial(String s, int from) {
        for (int p = from; p < s.length(); p++) {
            int best = -1;
            for (String t : specialTokens) {
                if (!t.isEmpty() && s.startsWith(t, p) && t.length() > best) {
                    best = t.length();
                }
            }
            if (best > 0) {
                return new int[] {p, p + best, 1};
            }
        }
        return new int[] {0, 0, 0};
    }

    /** The rendering, or null when the template refuses these messages (e.g. an empty list). */
    private String tryRender(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return tryRender(renderer, messages, addGenerationPrompt);
    }

    private static String tryRender(Renderer renderer, List<ChatMessage> messages, boolean addGenerationPrompt) {
        try {
            return renderer.render(messages, addGenerationPrompt);
        } catch (ChatTemplate.TemplateException e) {
            return null;
        }
    }

    /**
     * The position right after the first occurrence, from {@code from}, of the longest suffix of
     * {@code before} that {@code full} holds there (what precedes the turn when nothing else does,
     * e.g. Mistral's {@code [/INST]} with the system text moved into the last user message); -1 when
     * none. A suffix that occurs implies that its shorter suffixes do, so the length is bisected.
     */
    private static int afterLongestSuffix(String before, String full, int from) {
        if (before == null || before.isEmpty()) {
            return -1;
        }
        int lo = 0;
        int hi = Math.min(before.length(), full.length() - from);
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (full.indexOf(before.substring(before.length() - mid), from) >= 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo == 0 ? -1 : full.indexOf(before.substring(before.length() - lo), from) + lo;
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }

    private static ChatTemplate.TemplateException notFound(int i, String why) {
        return new ChatTemplate.TemplateException("cannot locate assistant message " + i
                + " (messages[" + i + "]) in the chat template's rendering: " + why);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\n", "\\n") + "\"";
    }
}
