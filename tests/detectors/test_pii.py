"""email, phone, iban, us_ssn and (opt-in) ip_address tables."""

from __future__ import annotations

import pytest

from sanitize import ScanConfig, scan
from sanitize.checksums import ssn_valid

TABLES: dict[str, list[tuple[str, str | None]]] = {
    "email": [
        ("You can reach me at john.doe@corp.example.org any time.", "john.doe@corp.example.org"),  # prose
        ("From: Ann Lee <ann_lee42@fastmail.fm>\nTo: team", "ann_lee42@fastmail.fm"),  # e-mail header
        ('{"id": 3, "email": "wei@hooli-labs.io", "active": true}', "wei@hooli-labs.io"),  # JSON
        ("Priya,priya.patel@gmx.de,Initech", "priya.patel@gmx.de"),  # CSV
        ("2024-01-02 INFO password reset requested for j@acme.co", "j@acme.co"),  # log
        ("postgres://admin:S3cret@db.example.com:5432/app", None),  # URL userinfo, not an e-mail
        ("@app.route('/') and @decorator", None),
        ("logo@2x.png", None),
        ("pip install git+https://github.com/x/tool@3f2a9c1", None),
        ("git clone git@github.com:org/repo.git", None),  # an SSH remote (scp syntax)
        ("remote: git@gitlab.example.com:team/app.git", None),
        ("write to git@example.org: the maintainers read it", "git@example.org"),  # an address after all
        ("SUPPORT@ACME.COM answers in a day", "SUPPORT@ACME.COM"),  # one case per top-level domain
        ("Mail bob@Example.Com today", "bob@Example.Com"),
        ('net use Z: \\\\fs\\share "66L@Cv.yBQ" /user:bob', None),  # a password: the TLD mixes case
        ("env('DB_PASSWORD', 'uI@eu60HhAXS8.Tl')", None),  # a password: a domain label mixing aA1
        ("ping ops@Web3Corp.io or ops@web3corp.io", "ops@web3corp.io"),
        ("psexec.py corp.local/admin:Kx9mQ2pLv@dc01.corp.local", None),  # domain/user:password@host
        ("Contact:bob@example.com", "bob@example.com"),  # a colon alone before it: still an address
    ],
    "phone": [
        ("Call me on +44 20 7946 0958 if anything breaks.", "+44 20 7946 0958"),
        ("Tel: (415) 867-5309", "(415) 867-5309"),
        ("ann: 416.786.5898", "416.786.5898"),
        ("Priya,546-699-1367,Initech", "546-699-1367"),
        ('{"phone": "+1-415-867-5309"}', "+1-415-867-5309"),
        ("2024-01-02 INFO sms sent to +14158675309 (2 segments)", "+14158675309"),
        ("mobile 07700 900123", "07700 900123"),
        ("Bureau: 01 42 68 53 00", "01 42 68 53 00"),
        ("Handy +49 30 12345678", "+49 30 12345678"),
        ("2024-01-15 12:30:45 INFO started", None),  # timestamp
        ("Upgraded numpy from 1.26.4 to 2.0.1.", None),  # versions
        ("Windows 10.0.22631.2861", None),
        ("Your order #123-4567890-1234567 has shipped.", None),  # order number
        ("Card: 6575 7883 0533 4467", None),  # part of a card-shaped number
    ],
    "iban": [
        (
            "Please wire the deposit to IBAN DE89 3704 0044 0532 0130 00 by Friday.",
            "DE89 3704 0044 0532 0130 00",
        ),
        ('{"iban": "GB82WEST12345698765432"}', "GB82WEST12345698765432"),
        ("ann: send it to NL91ABNA0417164300 thx", "NL91ABNA0417164300"),
        ("IBAN: DE89 3704 0044 0532 0130 01", None),  # mod-97 fails
        ("GB82WEST1234569876543", None),  # wrong length for GB
    ],
    "us_ssn": [
        ("My social security number is 536-22-1234, keep it safe.", "536-22-1234"),
        ("Name: Ann\nSSN: 536 22 1234\nDOB: 04/12/1987", "536 22 1234"),
        ('{"ssn": "536-22-1234"}', "536-22-1234"),
        ("Jennifer,200-21-2207,Tyrell", "200-21-2207"),
        ("SSN: 536221234", "536221234"),  # bare nine digits next to the word
        ("ticket 536221234", None),  # bare nine digits without it
        ("078-05-1120", None),  # the Woolworth specimen
        ("666-12-3456 and 912-34-5678 and 123-00-4567 and 123-45-0000", None),  # never issued
    ],
}
CASES = [(t, payload, secret) for t, rows in TABLES.items() for payload, secret in rows]


@pytest.mark.parametrize(("secret_type", "payload", "secret"), CASES)
def test_pii(secret_type: str, payload: str, secret: str | None) -> None:
    found = [payload[f.start : f.end] for f in scan([payload], ScanConfig(types=[secret_type]))]
    assert found == ([secret] if secret else [])


IP_CASES = [
    ('203.0.113.9 - - [10/Oct/2023:13:55:36 +0000] "GET / HTTP/1.1" 200', "203.0.113.9"),
    ("server:\n  bind: 198.51.100.23\n  port: 8080", "198.51.100.23"),
    ("The attacker connected from 8.8.4.4 twice.", "8.8.4.4"),
    ("999.1.1.1", None),
    ("1.2.3.4.5", None),
]


@pytest.mark.parametrize(("payload", "secret"), IP_CASES)
def test_ip_address_opt_in(payload: str, secret: str | None) -> None:
    found = [payload[f.start : f.end] for f in scan([payload], ScanConfig(include_ip=True))]
    assert found == ([secret] if secret else [])
    assert not [f for f in scan([payload]) if f.type == "ip_address"]  # off by default


def test_ssn_ranges() -> None:
    assert ssn_valid("536-22-1234")
    assert not ssn_valid("000-12-3456")
    assert not ssn_valid("900-12-3456")
