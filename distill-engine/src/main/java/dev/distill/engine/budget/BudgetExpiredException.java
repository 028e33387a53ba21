package dev.distill.engine.budget;

import java.io.IOException;

/** Work was refused or stopped because the time budget it runs under is spent. */
public final class BudgetExpiredException extends IOException {

    private static final long serialVersionUID = 1L;

    public BudgetExpiredException(String message) {
        super(message);
    }
}
