package dev.distill.e2e;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One local stack for every end-to-end class of a test run: the first class that needs it starts a fresh one
 * ({@code down.sh --clean}, then {@code up.sh --no-build}) and it is stopped once, when the run ends. Starting
 * the stack takes most of a minute; sharing it keeps every e2e class cheap to add.
 *
 * <p>Use it with {@code @ExtendWith(SharedStack.class)}. Classes must not rely on running alone: each pushes to
 * repositories of its own and finds its migrations by repository.
 */
public final class SharedStack implements BeforeAllCallback {

    private static final String KEY = "distill-local-stack";

    @Override
    public void beforeAll(ExtensionContext context) {
        // The root store's resources are closed when the whole run ends, after every class.
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).getOrComputeIfAbsent(KEY, k -> start(),
                Running.class);
    }

    private static Running start() {
        // A fresh stack: stop one left over from an interrupted run and drop its data (the test's own state dir).
        LocalStack.script("down.sh", "--clean");
        LocalStack.script("up.sh", "--no-build");
        return new Running();
    }

    /** The started stack; closing it stops it. */
    static final class Running implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            LocalStack.script("down.sh");
        }
    }
}
