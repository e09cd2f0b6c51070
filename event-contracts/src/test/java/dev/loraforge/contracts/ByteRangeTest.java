package dev.loraforge.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** HTTP byte ranges as RFC 9110 section 14 reads them. */
class ByteRangeTest {

    @Test
    void eachFormOfASingleRange() {
        assertThat(ByteRange.parse("bytes=0-99", 1000)).contains(new ByteRange(0, 99, 1000));
        assertThat(ByteRange.parse("bytes=500-", 1000)).contains(new ByteRange(500, 999, 1000));
        assertThat(ByteRange.parse("bytes=-100", 1000)).contains(new ByteRange(900, 999, 1000));
        assertThat(ByteRange.parse("bytes=-5000", 1000)).contains(new ByteRange(0, 999, 1000));
        assertThat(ByteRange.parse("bytes=990-5000", 1000)).contains(new ByteRange(990, 999, 1000));
        assertThat(ByteRange.parse(" bytes = 7 - 7 ", 1000)).contains(new ByteRange(7, 7, 1000));
        ByteRange r = ByteRange.parse("bytes=10-19", 1000).orElseThrow();
        assertThat(r.length()).isEqualTo(10);
        assertThat(r.contentRange()).isEqualTo("bytes 10-19/1000");
    }

    @Test
    void whatTheServerIgnoresSendsTheWhole() {
        assertThat(ByteRange.parse(null, 1000)).isEmpty();
        assertThat(ByteRange.parse("", 1000)).isEmpty();
        assertThat(ByteRange.parse("bytes=0-1,5-6", 1000)).isEmpty();
        assertThat(ByteRange.parse("pages=0-1", 1000)).isEmpty();
        assertThat(ByteRange.parse("bytes=9-3", 1000)).isEmpty();
        assertThat(ByteRange.parse("bytes=-", 1000)).isEmpty();
        assertThat(ByteRange.parse("bytes=x-3", 1000)).isEmpty();
        assertThat(ByteRange.parse("bytes=99999999999999999999-", 1000)).isEmpty();
    }

    @Test
    void aRangeOutsideTheRepresentationIsUnsatisfiable() {
        assertThatThrownBy(() -> ByteRange.parse("bytes=1000-", 1000)).isInstanceOf(ByteRange.Unsatisfiable.class)
                .hasMessageContaining("bytes=0-999")
                .satisfies(e -> assertThat(((ByteRange.Unsatisfiable) e).contentRange()).isEqualTo("bytes */1000"));
        assertThatThrownBy(() -> ByteRange.parse("bytes=1000-1200", 1000)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThatThrownBy(() -> ByteRange.parse("bytes=-0", 1000)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThatThrownBy(() -> ByteRange.parse("bytes=0-", 0)).isInstanceOf(ByteRange.Unsatisfiable.class);
        assertThatThrownBy(() -> ByteRange.parse("bytes=-3", 0)).isInstanceOf(ByteRange.Unsatisfiable.class);
    }
}
