/**
 * Runs once before the unit and integration tests. Real database servers are
 * started by the tests that need them (tests/support/), not here, so a quick
 * `vitest run main/modem` does not pay for them.
 */
export default function setup(): void {
  process.env.STOREMAS_LOG_LEVEL ??= 'warn';
}
