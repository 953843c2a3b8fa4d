import { expect } from 'chai'
import { keitaiCarrier, supportsCookies } from '../../../server/middleware/user-agent.ts'
import type { Carrier } from '../../../server/middleware/user-agent.ts'

// [User-Agent, carrier, cookies over http]; samples from keitai.md §1 (jpmobile and
// HTTP::MobileAgent test data) and current browsers.
const cases: [string | undefined, Carrier | null, boolean][] = [
  // docomo: i-mode browser 1.0 unless a FOMA cache of c500 or more
  ['DoCoMo/2.0 P903i(c100;TB;W24H12)', 'docomo', false],
  ['DoCoMo/2.0 SH902i(c100;TB;W24H12)', 'docomo', false],
  ['DoCoMo/1.0/SO506iC/c20/TB/W20H10', 'docomo', false],
  ['DoCoMo/1.0/P502i (Google CHTML Proxy/1.0)', 'docomo', false],
  ['DoCoMo/2.0 N2001(c10)', 'docomo', false],
  ['DoCoMo/2.0 SH01A', 'docomo', false], // no cache token
  ['DoCoMo/2.0 P07A3(c500;TB;W24H15)', 'docomo', true],
  ['DoCoMo/2.0 SH06A3(c500;TC;W24H16)', 'docomo', true],
  ['DoCoMo/3.0 XX01(c1000;TB)', 'docomo', true],
  // au
  ['KDDI-CA32 UP.Browser/6.2.0.7.3.129 (GUI) MMP/2.0', 'au', true],
  ['UP.Browser/3.04-KCTA UP.Link/3.4.5.9', 'au', true],
  // SoftBank, Vodafone, J-PHONE, Motorola-made Vodafone 3G, carrier emulators
  [
    'SoftBank/1.0/910T/TJ001/SN000000000000000 Browser/NetFront/3.3 Profile/MIDP-2.0 Configuration/CLDC-1.1',
    'softbank',
    true,
  ],
  [
    'Vodafone/1.0/V903SH/SHJ001/SN000000000000000 Browser/UP.Browser/7.0.2.1 Profile/MIDP-2.0 Configuration/CLDC-1.1 Ext-J-Profile/JSCL-1.2.2 Ext-V-Profile/VSCL-2.0.0',
    'softbank',
    true,
  ],
  ['J-PHONE/4.3/V602SH/SNJSHH3000000 SH/0007aa Profile/MIDP-1.0', 'softbank', true],
  ['MOT-V980/80.2F.2E. MIB/2.2.1 Profile/MIDP-2.0 Configuration/CLDC-1.1', 'softbank', true],
  ['Semulator/1.0/913SH/SHJ001 Browser/NetFront/3.4 Profile/MIDP-2.0', 'softbank', true],
  ['Vemulator/1.0/V902SH/SHJ001 Browser/UP.Browser/7.0.2.1', 'softbank', true],
  // WILLCOM and its predecessor DDI Pocket
  ['Mozilla/3.0(WILLCOM;KYOCERA/WX310K/2;1.2.2.16.000000/0.1/C100) Opera 7.0', 'willcom', true],
  ['Mozilla/3.0(DDIPOCKET;KYOCERA/AH-K3001V/1.8.2.71.000000/0.1/C100) Opera 7.0', 'willcom', true],
  // Everything else gets the ordinary pages.
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    null,
    true,
  ],
  [
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
    null,
    true,
  ],
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    null,
    true,
  ],
  ['Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0', null, true],
  ['Lynx/2.9.0dev.12 libwww-FM/2.14 SSL-MM/1.4.1 GNUTLS/3.7.9', null, true],
  ['w3m/0.5.3+git20230121', null, true],
  ['curl/8.5.0', null, true],
  ['', null, true],
  [undefined, null, true],
  // Carrier names anywhere but the start do not count (crawlers, spoofing, noise).
  ['Mozilla/5.0 (Linux) DoCoMo/2.0 P903i(c100;TB;W24H12)', null, true],
  [' DoCoMo/2.0 P903i(c100;TB;W24H12)', null, true],
  ['docomo/2.0 P903i(c100;TB;W24H12)', null, true],
  ['Mozilla/5.0 (compatible; UP.Browser/7.0) KDDI-CA32', null, true],
  ['Mozilla/5.0 (Windows NT 10.0) SoftBank Vodafone J-PHONE', null, true],
  ['Mozilla/5.0(WILLCOM;KYOCERA/WX310K)', null, true],
  ['KDDI', null, true],
]

describe('user-agent', () => {
  describe('keitaiCarrier', () => {
    for (const [ua, carrier] of cases) {
      it(`${JSON.stringify(ua)} → ${carrier}`, () => {
        expect(keitaiCarrier(ua)).to.equal(carrier)
      })
    }
  })

  describe('supportsCookies', () => {
    for (const [ua, , cookies] of cases) {
      it(`${JSON.stringify(ua)} → ${cookies}`, () => {
        expect(supportsCookies(ua)).to.equal(cookies)
      })
    }

    it('treats au over https as cookie-less, like jpmobile', () => {
      const au = 'KDDI-CA32 UP.Browser/6.2.0.7.3.129 (GUI) MMP/2.0'
      expect(supportsCookies(au, { https: true })).to.equal(false)
      expect(supportsCookies(au, { https: false })).to.equal(true)
      expect(supportsCookies('SoftBank/1.0/910T/TJ001', { https: true })).to.equal(true)
      expect(supportsCookies('curl/8.5.0', { https: true })).to.equal(true)
    })
  })
})
