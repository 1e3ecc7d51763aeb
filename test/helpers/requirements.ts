// Tests that need a Debian package skip loudly when it is absent, so `npm test` passes on a fresh
// machine with only Node. CI installs the packages and sets ROLLCALL_REQUIRE_ALL=1, which turns every
// such skip into a failure.
import { accessSync, constants } from 'node:fs';

/** Answers a skip reason (for node:test's `skip` option), or false when the executable is there. */
export function skipUnlessInstalled(path: string, debianPackage: string): string | false {
  try {
    accessSync(path, constants.X_OK);
    return false;
  } catch {
    const reason = `${path} is missing: install the Debian package ${debianPackage} (apt-get install ${debianPackage})`;
    if (process.env.ROLLCALL_REQUIRE_ALL === '1') {
      throw new Error(`ROLLCALL_REQUIRE_ALL=1 forbids skipping: ${reason}`);
    }
    process.stderr.write(`\n*** SKIPPING: ${reason}\n\n`);
    return reason;
  }
}
