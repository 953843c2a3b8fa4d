// The mail verification service as the tests build it on their own database: the real
// repositories, throttle and composer, the test's clock, links to 127.0.0.1.
import type { Clock } from '../../server/clock.ts'
import type { Db } from '../../server/db/database.ts'
import { mailRepository } from '../../server/db/mail-repository.ts'
import { throttleRepository } from '../../server/db/throttle-repository.ts'
import { mailComposer } from '../../server/mail/mail-bodies.ts'
import { mailVerificationService } from '../../server/services/mail-verification-service.ts'
import { throttleService } from '../../server/services/throttle-service.ts'

export function testMailService(db: Db, clock: Clock, messageId: () => string) {
  return mailVerificationService({
    mails: mailRepository(db),
    throttle: throttleService(
      throttleRepository(db),
      { loginMaxFailures: 5, loginWindowMinutes: 15, loginLockMinutes: 15, addressMaxFailures: 30 },
      clock,
    ),
    composer: mailComposer({ cache: false }),
    clock,
    confirmUrl: (slug, token) => `http://127.0.0.1/${slug}/email/confirm/${token}`,
    tokenHours: 24,
    messageId,
  })
}
