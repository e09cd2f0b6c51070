package dev.loraforge.engine.model;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd switch is per thread and on by default; DJL turns it off only on the thread that starts the
 * engine, and a {@code GradientCollector} turns it on for its own span. The engine's in-place updates of adapter
 * parameters (optimizer steps, loading saved values) and its inference must run with it off on whichever thread
 * they run (a service's worker, an HTTP thread), whatever thread happened to start PyTorch.
 */
public final class GradMode {

    private GradMode() {
    }

    /** Turns autograd off on the calling thread (outside any GradientCollector). */
    public static void offOnThisThread() {
        Engine.getEngine("PyTorch"); // the natives must be loaded before a JNI call
        JniUtils.setGradMode(false);
    }
}
