package dev.loraforge.engine.template;

import java.util.LinkedHashMap;
import java.util.Map;

/** The object {@code namespace(...)} returns: attributes that {@code {% set ns.x = ... %}} may assign across scopes. */
final class Namespace {

    final Map<String, Object> attrs = new LinkedHashMap<>();
}
