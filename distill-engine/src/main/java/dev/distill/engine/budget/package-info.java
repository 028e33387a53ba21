/**
 * Time budgets of work done for one migration: how long it may take, what it is doing now (for the reason a person
 * reads when it takes too long), and the transfers and runs to abort when the time is up.
 */
package dev.distill.engine.budget;
