package dev.loraforge.engine.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Deterministic byte-level BPE training (Sennrich et al. 2016, GPT-2's byte alphabet): start from the
 * 256 byte symbols, repeatedly merge the most frequent adjacent pair. Ties are broken by the pair's
 * text (left symbol, then right), never by hash order, so the same corpus always gives the same
 * vocabulary and merge list.
 */
public final class BpeTrainer {

    /** The result: symbols in id order (bytes first, then merges) and the merges in rank order. */
    public record Result(List<String> symbols, List<String[]> merges) {
    }

    private final int maxSymbols;
    private final int minFrequency;

    /**
     * @param maxSymbols   the number of symbols to reach (256 bytes + merges), at least 256
     * @param minFrequency a pair seen fewer times than this is never merged
     */
    public BpeTrainer(int maxSymbols, int minFrequency) {
        if (maxSymbols < 256) {
            throw new IllegalArgumentException("maxSymbols must be at least 256 (the byte alphabet), got " + maxSymbols);
        }
        this.maxSymbols = maxSymbols;
        this.minFrequency = Math.max(1, minFrequency);
    }

    public Result train(Iterable<String> texts) {
        // Word frequencies over byte-level pre-tokens, in a sorted map for a stable word order.
        Map<String, Integer> wordCounts = new TreeMap<>();
        for (String text : texts) {
            for (String piece : ByteLevel.preTokenize(text)) {
                wordCounts.merge(piece, 1, Integer::sum);
            }
        }
        List<String> symbols = new ArrayList<>();
        Map<String, Integer> symbolIds = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            String s = String.valueOf(ByteLevel.charOf(b));
            symbolIds.put(s, symbols.size());
            symbols.add(s);
        }
        int nWords = wordCounts.size();
        int[][] words = new int[nWords][];
        int[] counts = new int[nWords];
        int w = 0;
        for (Map.Entry<String, Integer> e : wordCounts.entrySet()) {
            String word = e.getKey();
            int[] ids = new int[word.length()];
            for (int i = 0; i < word.length(); i++) {
                ids[i] = symbolIds.get(String.valueOf(word.charAt(i)));
            }
            words[w] = ids;
            counts[w++] = e.getValue();
        }
        Map<Long, Integer> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> pairWords = new HashMap<>();
        for (int i = 0; i < nWords; i++) {
            addPairs(words[i], i, counts[i], pairCounts, pairWords, 1);
        }
        List<String[]> merges = new ArrayList<>();
        while (symbols.size() < maxSymbols) {
            long best = -1;
            int bestCount = 0;
            for (Map.Entry<Long, Integer> e : pairCounts.entrySet()) {
                int c = e.getValue();
                if (c < minFrequency || c < bestCount) {
                    continue;
                }
                if (c > bestCount || comparePairs(e.getKey(), best, symbols) < 0) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            if (best < 0) {
                break;
            }
            int left = (int) (best >>> 32);
            int right = (int) best;
            String merged = symbols.get(left) + symbols.get(right);
            Integer existing = symbolIds.get(merged); // (ab,c) and (a,bc) spell the same symbol
            int newId = existing != null ? existing : symbols.size();
            if (existing == null) {
                symbolIds.put(merged, newId);
                symbols.add(merged);
            }
            merges.add(new String[] {symbols.get(left), symbols.get(right)});
            Set<Integer> affected = pairWords.getOrDefault(best, Set.of());
            for (int wi : new TreeSet<>(affected)) {
                int[] old = words[wi];
                addPairs(old, wi, counts[wi], pairCounts, pairWords, -1);
                words[wi] = applyMerge(old, left, right, newId);
                addPairs(words[wi], wi, counts[wi], pairCounts, pairWords, 1);
            }
            pairCounts.remove(best);
            pairWords.remove(best);
        }
        return new Result(symbols, merges);
    }

    private static int comparePairs(long a, long b, List<String> symbols) {
        if (b < 0) {
            return -1;
        }
        int c = symbols.get((int) (a >>> 32)).compareTo(symbols.get((int) (b >>> 32)));
        return c != 0 ? c : symbols.get((int) a).compareTo(symbols.get((int) b));
    }

    private static void addPairs(int[] word, int wordIndex, int count, Map<Long, Integer> pairCounts,
            Map<Long, Set<Integer>> pairWords, int sign) {
        for (int i = 0; i + 1 < word.length; i++) {
            long key = ((long) word[i] << 32) | (word[i + 1] & 0xFFFFFFFFL);
            int updated = pairCounts.getOrDefault(key, 0) + sign * count;
            if (updated <= 0) {
                pairCounts.remove(key);
            } else {
                pairCounts.put(key, updated);
            }
            if (sign > 0) {
                pairWords.computeIfAbsent(key, k -> new HashSet<>()).add(wordIndex);
            }
        }
    }

    private static int[] applyMerge(int[] word, int left, int right, int newId) {
        int[] out = new int[word.length];
        int n = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == left && word[i + 1] == right) {
                out[n++] = newId;
                i++;
            } else {
                out[n++] = word[i];
            }
        }
        return Arrays.copyOf(out, n);
    }

    /** Vocabulary as a map from symbol to id, offset by {@code firstId}, in id order. */
    public static Map<String, Integer> vocab(List<String> symbols, int firstId) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int i = 0; i < symbols.size(); i++) {
            vocab.put(symbols.get(i), firstId + i);
        }
        return vocab;
    }
}
