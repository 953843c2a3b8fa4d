// Login throttling (stack-notes.md "Security"): a card is locked for loginLockMinutes after
// loginMaxFailures failed logins (or identity checks) within loginWindowMinutes, and a client
// address after addressMaxFailures failures over all cards in the same window, against
// spraying one short PIN over many cards. Counters live in MySQL, so every instance sees them.
//
// Subjects: 'login' and 'verify' → `${libraryId}:${card}`; 'address' → the client IP.
// Callers reserve() an attempt for the card and for the address before verifying anything
// (so a burst of parallel guesses cannot all be verified), then on success succeed() the card
// and refund() the address: a success must not reset the address budget, or one valid card
// would let an attacker keep spraying others from the same address.
import type { Clock } from '../clock.ts'
import type { Config } from '../config.ts'
import type { ThrottleRepository, ThrottleRule } from '../db/throttle-repository.ts'
import type { ThrottleScope } from '../db/schema.ts'

export type ThrottleCheck = { ok: true } | { ok: false; until: Date }

export type ThrottleConfig = Pick<
  Config,
  'loginMaxFailures' | 'loginWindowMinutes' | 'loginLockMinutes' | 'addressMaxFailures'
>

export function throttleService(repo: ThrottleRepository, config: ThrottleConfig, clock: Clock) {
  function ruleFor(scope: ThrottleScope): ThrottleRule {
    return {
      limit: scope === 'address' ? config.addressMaxFailures : config.loginMaxFailures,
      windowMinutes: config.loginWindowMinutes,
      lockMinutes: config.loginLockMinutes,
    }
  }

  async function check(scope: ThrottleScope, subject: string): Promise<ThrottleCheck> {
    const status = await repo.status(scope, subject, clock.now(), ruleFor(scope))
    return status.locked && status.lockedUntil
      ? { ok: false, until: status.lockedUntil }
      : { ok: true }
  }

  return {
    /** Whether the subject may try now; counts nothing. */
    check,

    /**
     * Reserves one attempt before anything is verified (atomic across requests and
     * instances): refused while the subject is locked; the reservation that reaches the limit
     * locks it. A reservation counts as a failure unless refund() gives it back.
     */
    async reserve(scope: ThrottleScope, subject: string): Promise<ThrottleCheck> {
      const r = await repo.reserveAttempt(scope, subject, clock.now(), ruleFor(scope))
      return r.ok ? { ok: true } : { ok: false, until: r.until }
    },

    /** Gives one reserved attempt back (it succeeded, or was never verified). */
    async refund(scope: ThrottleScope, subject: string): Promise<void> {
      await repo.refundAttempt(scope, subject, ruleFor(scope))
    },

    /** Counts a failure; answers whether the subject is locked now (this failure may lock it). */
    async fail(scope: ThrottleScope, subject: string): Promise<ThrottleCheck> {
      await repo.recordFailure(scope, subject, clock.now(), ruleFor(scope))
      return check(scope, subject)
    },

    /**
     * Counts a request against a limit per window (mail requests per patron and per address),
     * atomically: true while the window holds at most `limit` requests, this one included.
     */
    async allow(
      scope: ThrottleScope,
      subject: string,
      limit: number,
      windowMinutes: number,
    ): Promise<boolean> {
      return (await repo.countRequest(scope, subject, clock.now(), windowMinutes)) <= limit
    },

    /** Forgets the subject's failures (after a successful login or identity check). */
    async succeed(scope: ThrottleScope, subject: string): Promise<void> {
      await repo.reset(scope, subject)
    },

    /** Deletes counters whose window and lock are over (housekeeping); returns the count. */
    async purge(): Promise<number> {
      const now = clock.now()
      return repo.purge(
        now,
        new Date(now.getTime() - config.loginWindowMinutes * 60_000),
        // Mail request counters (mail-verification-service) count over a day at most.
        new Date(now.getTime() - 24 * 60 * 60_000),
      )
    },
  }
}

export type ThrottleService = ReturnType<typeof throttleService>
