// The pure parts of mail: which addresses are taken (leniently, as typed), which are carrier
// addresses, how bodies are written (no machine-dependent characters, short lines, URLs never
// broken) and how long a failed mail waits before the next try.
import { expect } from 'chai'
import { LINE_COLUMNS, plain, tidyBody, wrapLine } from '../../../server/mail/mail-bodies.ts'
import { retryDelayMinutes } from '../../../server/mail/mail-sender.ts'
import {
  checkAddress,
  isCarrierAddress,
} from '../../../server/services/mail-verification-service.ts'

describe('mail text', () => {
  it('takes addresses leniently, as typed, old carrier addresses included', () => {
    for (const ok of [
      'taro@example.jp',
      ' taro@example.jp ',
      'taro..yamada.@docomo.ne.jp',
      'Taro.Yamada+opac@Example.CO.JP',
      "o'brien@example.ie",
      'a@b.c',
    ]) {
      expect(checkAddress(ok), ok).to.deep.equal({ ok: true, address: ok.trim() })
    }
    expect(checkAddress('')).to.deep.equal({ ok: false, problem: 'empty' })
    expect(checkAddress('   ')).to.deep.equal({ ok: false, problem: 'empty' })
    expect(checkAddress('ｔａｒｏ＠example.jp')).to.deep.equal({ ok: false, problem: 'full_width' })
    for (const bad of [
      'taro',
      'taro@',
      '@example.jp',
      'ta ro@example.jp',
      'taro@example',
      'taro@-x.jp',
      'a@b@c.jp',
      'taro@exa_mple.jp',
      'たろう@example.jp',
      'ta\u0000ro@example.jp',
    ]) {
      expect(checkAddress(bad).ok, JSON.stringify(bad)).to.equal(false)
    }
    expect(checkAddress(`${'a'.repeat(250)}@b.jp`)).to.deep.equal({
      ok: false,
      problem: 'too_long',
    })
    expect(checkAddress(`${'a'.repeat(65)}@b.jp`)).to.deep.equal({ ok: false, problem: 'invalid' })
  })

  it('knows the carriers’ mobile domains', () => {
    expect(isCarrierAddress('x@docomo.ne.jp')).to.equal(true)
    expect(isCarrierAddress('x@ezweb.ne.jp')).to.equal(true)
    expect(isCarrierAddress('x@t.vodafone.ne.jp')).to.equal(true)
    expect(isCarrierAddress('x@i.softbank.jp')).to.equal(true)
    expect(isCarrierAddress('x@example.jp')).to.equal(false)
    expect(isCarrierAddress('x@notdocomo.ne.jp')).to.equal(false)
  })

  it('writes machine-dependent characters plainly', () => {
    expect(plain('①②Ⅰⅱ㈱～ｶﾀｶﾅＡ')).to.equal('12Iii(株)~カタカナA')
  })

  it('wraps long lines at 70 columns, full-width counting two, and never breaks a URL', () => {
    const long = 'あ'.repeat(50)
    expect(wrapLine(long).map((l) => Array.from(l).length)).to.deep.equal([35, 15])
    expect(wrapLine('a'.repeat(150))).to.have.length(3)
    const url = `https://example.jp/${'x'.repeat(120)}`
    expect(wrapLine(url)).to.deep.equal([url])
    const body = tidyBody(`a  \n\n\n\n${long}\n`)
    expect(body).to.equal(`a\n\n${'あ'.repeat(35)}\n${'あ'.repeat(15)}\n`)
    expect(LINE_COLUMNS).to.equal(70)
  })

  it('waits 1, 2, 4 … 60 minutes between tries', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 10].map(retryDelayMinutes)).to.deep.equal([
      1, 2, 4, 8, 16, 32, 60, 60,
    ])
  })
})
