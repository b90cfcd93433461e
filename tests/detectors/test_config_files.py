"""Service configuration files (sanitize.detectors.config_files): one (payload, secret or None) table, scanned by
the whole scanner with every type but PII, so a row also shows that no other detector reports something else."""

from __future__ import annotations

import pytest
from detector_support import flood_cpu_seconds
from support import CPU_CEILING

from sanitize import ScanConfig, scan
from sanitize.detectors import config_files

CASES: list[tuple[str, str | None]] = [
    # deployment templates' parameter defaults: ARM, CloudFormation JSON and YAML
    ('"adminPassword": {"type": "securestring", "defaultValue": "Kq8#vZx2Lm9"}', "Kq8#vZx2Lm9"),
    ('"DBPassword": {"Type": "String", "NoEcho": true, "Default": "Kq8#vZx2Lm9"}', "Kq8#vZx2Lm9"),
    ("  DBPassword:\n    Type: String\n    NoEcho: true\n    Default: Kq8#vZx2Lm9\n", "Kq8#vZx2Lm9"),
    ('"apiToken": {"type": "securestring", "defaultValue": "b7c9e2f4a1d84e6f9c3b5a7d2e4f6a8c"}',
     "b7c9e2f4a1d84e6f9c3b5a7d2e4f6a8c"),
    ('"adminUsername": {"type": "string", "defaultValue": "azureuser"}', None),  # not a credential's name
    ('"adminPassword": {"type": "securestring", "metadata": {"description": "Password for the VM"}}', None),
    ('"DBPassword": {"Type": "String", "NoEcho": true, "MinLength": 8}', None),
    ("  DBPassword:\n    Type: String\n    Description: The database admin password\n", None),
    ("  DBPassword:\n    Type: String\n    Default: '{{resolve:secretsmanager:prod/db:SecretString:password}}'\n", None),
    # a keyword and a double-quoted value on a line of their own; fetchmail
    ('set password "Kq8#vZx2Lm9"', "Kq8#vZx2Lm9"),  # Tcl / expect
    ('poll mail.acme.test protocol imap user "bob" password "Kq8#vZx2Lm9"', "Kq8#vZx2Lm9"),
    ('poll mail.acme.test user "bob" there with password "Kq8#vZx2Lm9" is bob here', "Kq8#vZx2Lm9"),
    ('set password ""', None),
    ('set password "$env(PASSWORD)"', None),
    ('password "Enter your password"', None),  # prose in quotes
    ('puts "the password" "is wrong"', None),
    # Postfix sasl_passwd
    ("[smtp.gmail.com]:587 bob@gmail.com:Kq8#vZx2Lm9", "Kq8#vZx2Lm9"),
    ("[smtp.acme.test]:465 relay:Kq8#vZx2Lm9\n[smtp2.acme.test]:587 relay2:Zq9#xL2mKv8", "Kq8#vZx2Lm9"),
    ("[smtp.gmail.com]:587 bob@gmail.com:", None),
    # snmpd community strings
    ("rocommunity Kq8vZx2Lm9 default", "Kq8vZx2Lm9"),
    ("rwcommunity6 Kq8vZx2Lm9 fd00::/8", "Kq8vZx2Lm9"),
    ("rocommunity public default", None),  # the defaults
    ("rwcommunity private 10.0.0.0/8", None),
    # LDIF: base64 after a double colon, decoded; a hashed password is no secret
    ("dn: uid=bob,ou=people,dc=acme,dc=test\nuserPassword:: S3E4dlp4MkxtOQ==", "S3E4dlp4MkxtOQ=="),
    ("userPassword:: e1NTSEF9WnE4a0wybVh2OVJ0N1lwM1duNUJjMURoNkZqNEdz", None),  # {SSHA}...
    ("userPassword:: !!!notbase64", None),
    # ipsec.secrets (strongSwan, Libreswan): quoted values after PSK, EAP, XAUTH
    ('192.168.0.1 %any : PSK "Kq8#vZx2Lm9"', "Kq8#vZx2Lm9"),
    ('carol@acme.test : EAP "Kq8#vZx2Lm9"', "Kq8#vZx2Lm9"),
    (': XAUTH "Kq8#vZx2Lm9"  # the VPN users\' password', "Kq8#vZx2Lm9"),
    (": RSA moonKey.pem", None),  # a key file
    (': PSK "<your secret here>"', None),
    (": PSK 0sv+NkxY9LLZvwj4qCC2o/gGrWDF2d21jL", None),  # base64 key material: another format
    # .pgpass (moved here from formats; its rows stay in test_formats too)
    ("db.acme.test:5432:shop:app:Kq8#vZx2Lm9", "Kq8#vZx2Lm9"),
]  # fmt: skip
TYPES = ["password", "generic_secret", "private_key"]


@pytest.mark.parametrize(("payload", "secret"), CASES)
def test_config_file(payload: str, secret: str | None) -> None:
    found = [payload[f.start : f.end] for f in scan([payload], ScanConfig(types=TYPES))]
    if secret is None:
        assert found == [], f"false positive {found} in {payload!r}"
    else:
        assert secret in found, f"missed {secret!r} in {payload!r} (found {found})"


@pytest.mark.parametrize(
    ("detector", "unit"),
    [
        (config_files.TEMPLATE_DEFAULT_PASSWORD, '"password": {"Default": "'),
        (config_files.TEMPLATE_DEFAULT_PASSWORD, "pw:\n  Type: String\n  Default: "),
        (config_files.LINE_QUOTED_PASSWORD, 'set password "a'),
        (config_files.LINE_QUOTED_PASSWORD, 'user "a" password '),
        (config_files.SASL_PASSWD, "[a]:587 b:"),
        (config_files.SNMP_COMMUNITY, "rocommunity "),
        (config_files.LDIF_PASSWORD, "userPassword:: QUJD"),
        (config_files.IPSEC_SECRET, ': PSK "a'),
        (config_files.IPSEC_SECRET, 'a : EAP "b\n'),
    ],
)
def test_linear_on_a_megabyte_of_config_lines(detector: config_files.PatternDetector, unit: str) -> None:
    best = flood_cpu_seconds(detector, unit, [detector.secret_type])
    assert best < CPU_CEILING
