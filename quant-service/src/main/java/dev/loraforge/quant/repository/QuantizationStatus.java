package dev.loraforge.quant.repository;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.util.Locale;

/** Where a pair stands: waiting for a worker, being quantized, done, or failed. Stored lowercase. */
public enum QuantizationStatus {
    PENDING, RUNNING, SUCCEEDED, FAILED;

    /** {@code pending}, {@code running}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether requesters are still waiting for a result. */
    public boolean open() {
        return this == PENDING || this == RUNNING;
    }

    public static QuantizationStatus fromWire(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    /** The column holds the lowercase name. */
    @Converter
    public static class DbConverter implements AttributeConverter<QuantizationStatus, String> {
        @Override
        public String convertToDatabaseColumn(QuantizationStatus status) {
            return status == null ? null : status.wireName();
        }

        @Override
        public QuantizationStatus convertToEntityAttribute(String value) {
            return value == null ? null : fromWire(value);
        }
    }
}
