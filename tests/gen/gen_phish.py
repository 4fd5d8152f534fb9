#!/usr/bin/env python3
"""gen_phish.py OUTDIR — e-mails and HTML pages for the exchange-phishing
analyser, written here (no real phishing mail is copied). Look-alike
domains are made up for the tests; nothing is contacted.

  coinbase_mismatch.eml   HTML (quoted-printable) link text shows
                          https://www.coinbase.com, href goes to
                          coinbase-secure-login.com; a 12-word seed form
  binance_idn.eml         base64 HTML, href to the IDN homoglyph
                          xn--... of binance with a Cyrillic 'i'
  bitflyer_subdomain.eml  text/plain in ISO-2022-JP with a bare URL
                          https://bitflyer.com.login-verify.xyz/
  typo.eml                links to coinbasse.com and kraken-login.com
  legit_notice.eml        a genuine-looking Coinbase notice: only real
                          domains (must stay silent)
  attachment.eml          multipart/mixed with an HTML attachment
  binance_login.html      Binance log-in copy posting a password to
                          binance.com.secure-login.xyz
  metamask_seed.html      "Restore your MetaMask wallet": recovery-phrase
                          textarea, relative form action
  legit_page.html         an ordinary page with exchange links and an
                          e-mail newsletter form (silent)
  common_words.html       links to sites whose names are brand keywords
                          that are also common words (silent)
  broken.eml              headers only, cut in the middle (robustness)
"""
import base64
import os
import quopri
import sys

HTML_MISMATCH = """<html><head><title>Coinbase security</title></head><body>
<p>We noticed a new sign-in to your Coinbase account.</p>
<p>If this was not you, secure your account now:
<a href="https://coinbase-secure-login.com/signin?id=8812">https://www.coinbase.com/signin</a></p>
<form action="https://coinbase-secure-login.com/verify" method="post">
""" + "".join('<input type="text" name="word%d">' % i for i in range(1, 13)) + """
<input type="submit" value="Verify">
</form>
<p>Coinbase Support</p></body></html>
"""

BINANCE_IDN_HOST = "b\u0456nance.com"  # Cyrillic small i (U+0456)


def mail(headers, body):
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode("utf-8", "surrogateescape")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)

    def put(name, data):
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)

    qp = quopri.encodestring(HTML_MISMATCH.encode()).decode()
    put("coinbase_mismatch.eml", mail([
        "From: Coinbase <no-reply@coinbase-secure-login.com>",
        "To: user@example.org",
        "Subject: Unusual sign-in activity",
        "Date: Mon, 01 Jan 2024 10:00:00 +0000",
        "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="b1"',
    ], "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "We noticed a new sign-in. Visit https://www.coinbase.com/signin\r\n"
        "--b1\r\nContent-Type: text/html; charset=utf-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n" + qp + "\r\n--b1--\r\n"))

    puny = BINANCE_IDN_HOST.encode("idna").decode()
    html_idn = ("<html><body><p>Binance: your withdrawal is on hold.</p>"
                '<a href="https://www.%s/login">Log in to Binance</a></body></html>' % puny)
    put("binance_idn.eml", mail([
        "From: Binance <support@example.org>",
        "Subject: [Binance] Withdrawal on hold",
        "MIME-Version: 1.0",
        "Content-Type: text/html; charset=utf-8",
        "Content-Transfer-Encoding: base64",
    ], base64.encodebytes(html_idn.encode()).decode()))

    jp = ("bitFlyer \u304a\u5ba2\u69d8\n\u30ed\u30b0\u30a4\u30f3\u78ba\u8a8d: "
          "https://bitflyer.com.login-verify.xyz/ja-jp/login\n")
    put("bitflyer_subdomain.eml", mail([
        "From: bitFlyer <info@login-verify.xyz>",
        "Subject: =?ISO-2022-JP?B?GyRCJWEhPCVrGyhC?=",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=ISO-2022-JP",
        "Content-Transfer-Encoding: 7bit",
    ], jp.encode("iso2022_jp").decode("ascii")))

    put("typo.eml", mail([
        "From: Security <security@example.org>",
        "Subject: Verify your account",
        "MIME-Version: 1.0",
        "Content-Type: text/html; charset=utf-8",
    ], '<p>Please verify: <a href="http://coinbasse.com/verify">verify now</a> or '
       '<a href="https://kraken-login.com/auth">Kraken login</a></p>\r\n'))

    put("legit_notice.eml", mail([
        "From: Coinbase <no-reply@coinbase.com>",
        "Subject: Your monthly statement is ready",
        "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="x"',
    ], "--x\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "Your Coinbase statement is ready: https://www.coinbase.com/reports\r\n"
        "--x\r\nContent-Type: text/html; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "<html><head><title>Coinbase</title></head><body><p>Your Coinbase statement is "
        "ready.</p><a href=3D\"https://www.coinbase.com/reports\">https://www.coinbase.com/"
        "reports</a> <a href=3D\"https://help.coinbase.com/en\">Help center</a> "
        "<a href=3D\"https://links.coinbase.com/u/unsub?id=3D1\">Unsubscribe</a> "
        "<a href=3D\"https://twitter.com/coinbase\">Follow us</a> "
        "<p>Coinbase, Inc. =A9 2024</p></body></html>\r\n--x--\r\n"))

    page = ('<html><head><title>Binance - Log In</title></head><body>'
            '<h1>Binance</h1><form method="post" action="https://binance.com.secure-login.xyz/auth">'
            '<input type="email" name="email"><input type="password" name="pwd">'
            '<button>Log In</button></form></body></html>')
    put("attachment.eml", mail([
        "From: Binance <support@example.org>",
        "Subject: Document",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="m"',
    ], "--m\r\nContent-Type: text/plain\r\n\r\nSee the attached page.\r\n"
        "--m\r\nContent-Type: text/html; name=\"login.html\"\r\n"
        "Content-Disposition: attachment; filename=\"login.html\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" +
        base64.encodebytes(page.encode()).decode() + "--m--\r\n"))

    put("binance_login.html", page)
    put("metamask_seed.html",
        '<!DOCTYPE html><html><head><title>MetaMask - Restore your wallet</title></head>'
        '<body><h2>Restore your MetaMask wallet</h2>'
        '<p>Enter your Secret Recovery Phrase (12 words) to continue.</p>'
        '<form action="restore.php" method="post">'
        '<textarea name="phrase" placeholder="Secret Recovery Phrase"></textarea>'
        '<input type="password" name="newpass"><input type="submit" value="Restore">'
        '</form></body></html>')
    put("legit_page.html",
        '<html><head><title>Crypto news weekly</title></head><body>'
        '<p>Prices on <a href="https://www.binance.com/en/markets">Binance</a> and '
        '<a href="https://www.kraken.com/prices">https://www.kraken.com/prices</a>.</p>'
        '<p>See <a href="https://pro.coinbase.com/">pro.coinbase.com</a>.</p>'
        '<form action="https://news.example.org/subscribe"><input type="email" name="email">'
        '<input type="submit" value="Subscribe"></form></body></html>')
    put("common_words.html",
        '<html><head><title>Project links</title></head><body>'
        '<a href="https://gemini.google.com/app">assistant</a> '
        '<a href="https://kraken.readthedocs.io/en/latest/">OCR docs</a> '
        '<a href="https://ledger-accounting.example.org/">bookkeeping</a> '
        '<a href="https://www.exodus-films.example.net/">film</a></body></html>')
    put("broken.eml", b"From: a@example.org\r\nSubject: cut\r\nContent-Type: multipart/mixed; "
        b"boundary=\"q\"\r\n\r\n--q\r\nContent-Type: text/html\r\n\r\n<a href=\"https://bina")


FIXED_TIME = 1700000000  # alerts carry the file's mtime as @timestamp


def fix_times(out):
    for root, dirs, files in os.walk(out):
        for n in files + dirs:
            os.utime(os.path.join(root, n), (FIXED_TIME, FIXED_TIME))


if __name__ == "__main__":
    main()
    fix_times(sys.argv[1])
