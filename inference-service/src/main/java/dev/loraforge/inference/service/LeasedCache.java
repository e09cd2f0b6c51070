package dev.loraforge.inference.service;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * A bounded least-recently-used cache of things that hold native memory (models, adapters), handed
 * out as leases. Each key is loaded once: concurrent requests for a key being loaded wait for that
 * load, while other keys load in parallel. Beyond {@code capacity} the least recently used entry is
 * dropped (an idle one first); a dropped entry still leased is closed when its last lease ends, so
 * nothing is closed under a running request.
 */
public final class LeasedCache<V extends AutoCloseable> {

    private static final Logger LOG = Logger.getLogger(LeasedCache.class);

    /** The use of one cached value; closing it ends the use (the value stays cached). */
    public interface Lease<V> extends AutoCloseable {
        V get();

        @Override
        void close();
    }

    private static final class Entry<V> {
        final String key;
        V value;
        int users;
        boolean dropped;

        Entry(String key) {
            this.key = key;
        }
    }

    private final String what;
    private final int capacity;
    private final LinkedHashMap<String, Entry<V>> entries = new LinkedHashMap<>(16, 0.75f, true); // access order
    private long loads;

    public LeasedCache(String what, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity of the " + what + " cache must be at least 1, got " + capacity);
        }
        this.what = what;
        this.capacity = capacity;
    }

    /** The value of {@code key}, loaded with {@code loader} when it is not cached. */
    public Lease<V> acquire(String key, Function<String, V> loader) {
        Entry<V> entry;
        synchronized (this) {
            entry = entries.computeIfAbsent(key, Entry::new); // also marks it most recently used
            entry.users++;
        }
        try {
            synchronized (entry) { // one load per key; other keys are not held up
                if (entry.value == null) {
                    entry.value = loader.apply(key);
                    synchronized (this) {
                        loads++;
                    }
                }
            }
        } catch (RuntimeException | Error e) {
            release(entry);
            synchronized (this) {
                if (entry.value == null && entries.get(key) == entry && entry.users == 0) {
                    entries.remove(key);
                }
            }
            throw e;
        }
        closeAll(dropOverflow());
        return new Lease<>() {
            private boolean closed;

            @Override
            public V get() {
                return entry.value;
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    release(entry);
                }
            }
        };
    }

    /** Drops every entry whose key matches (closed now when idle, else when their last lease ends). */
    public void dropIf(Predicate<String> keys) {
        List<Entry<V>> idle = new ArrayList<>();
        synchronized (this) {
            for (Iterator<Entry<V>> it = entries.values().iterator(); it.hasNext(); ) {
                Entry<V> e = it.next();
                if (keys.test(e.key)) {
                    it.remove();
                    if (drop(e)) {
                        idle.add(e);
                    }
                }
            }
        }
        closeAll(idle);
    }

    /** Keys held now, least recently used first. */
    public synchronized List<String> keys() {
        return entries.values().stream().filter(e -> e.value != null).map(e -> e.key).toList();
    }

    /** How many loads this cache made so far. */
    public synchronized long loads() {
        return loads;
    }

    /** Drops and closes everything (at shutdown). */
    public void clear() {
        dropIf(k -> true);
    }

    private void release(Entry<V> entry) {
        boolean close;
        synchronized (this) {
            entry.users--;
            close = entry.dropped && entry.users == 0 && entry.value != null;
        }
        if (close) {
            closeAll(List.of(entry));
        }
    }

    /** Drops the least recently used entries beyond capacity (idle ones first); returns those to close now. */
    private synchronized List<Entry<V>> dropOverflow() {
        List<Entry<V>> idle = new ArrayList<>();
        while (entries.size() > capacity) {
            Entry<V> victim = null;
            for (Entry<V> e : entries.values()) {
                if (e.users == 0) {
                    victim = e;
                    break;
                }
            }
            if (victim == null) {
                victim = entries.values().iterator().next();
            }
            entries.remove(victim.key);
            if (drop(victim)) {
                idle.add(victim);
            }
        }
        return idle;
    }

    /** Marks an entry dropped; true when nobody uses it (close it now). */
    private boolean drop(Entry<V> e) {
        e.dropped = true;
        return e.users == 0 && e.value != null;
    }

    private void closeAll(List<Entry<V>> dropped) {
        for (Entry<V> e : dropped) {
            V value;
            synchronized (e) {
                value = e.value;
                e.value = null;
            }
            if (value == null) {
                continue;
            }
            try {
                value.close();
                LOG.infof("unloaded %s %s", what, e.key);
            } catch (Exception ex) {
                LOG.warnf("closing %s %s failed: %s", what, e.key, ex.getMessage());
            }
        }
    }
}
