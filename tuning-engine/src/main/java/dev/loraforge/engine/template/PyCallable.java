package dev.loraforge.engine.template;

import java.util.List;
import java.util.Map;

/** Something a template may call: a global function, a macro, or a bound method such as {@code s.strip}. */
@FunctionalInterface
interface PyCallable {

    Object call(List<Object> args, Map<String, Object> kwargs);
}
